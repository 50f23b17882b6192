#include "ferry/mail/parse.hpp"

#include <string>
#include <unordered_set>
#include <utility>

#include "ferry/core/checked_time.hpp"
#include "ferry/core/error.hpp"
#include "ferry/mail/safe_filename.hpp"
#include "mail/charset.hpp"
#include "mail/gmime_handles.hpp"

namespace ferry::mail {
namespace {

using detail::gobject_ptr;

// GMime's parser reports defects through a C callback; it must not throw, so it only
// records. Warnings are capped so a hostile message cannot make the list huge.
constexpr std::size_t max_warnings = 100;

struct warning_sink {
  std::vector<std::string>* warnings = nullptr;
  bool nesting_overflow = false;
  std::size_t dropped = 0;
};

const char* describe(GMimeParserWarning code) {
  switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER: return "duplicated header";
    case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated header parameter";
    case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded 8-bit characters in a header";
    case GMIME_WARN_INVALID_CONTENT_TYPE:
      return "invalid Content-Type (treated as application/octet-stream)";
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid RFC 2047 encoded header value";
    case GMIME_WARN_MALFORMED_MULTIPART: return "malformed multipart (no child parts)";
    case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated message or missing closing boundary";
    case GMIME_WARN_MALFORMED_MESSAGE: return "malformed message";
    case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header name";
    case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting header";
    case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting header parameter";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without boundary";
    case GMIME_WARN_INVALID_PARAMETER: return "invalid header parameter";
    case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid address list";
    case GMIME_CRIT_NESTING_OVERFLOW: return "MIME nesting overflow";
    case GMIME_WARN_PART_WITHOUT_CONTENT: return "part without content";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "part without headers or content";
  }
  return "parser warning";
}

extern "C" void on_parser_warning(gint64 offset, GMimeParserWarning code, const gchar* item,
                                  gpointer user_data) {
  auto* sink = static_cast<warning_sink*>(user_data);
  if (code == GMIME_CRIT_NESTING_OVERFLOW) sink->nesting_overflow = true;
  if (sink->warnings->size() >= max_warnings) {
    ++sink->dropped;
    return;
  }
  std::string w = describe(code);
  if (item != nullptr && *item != '\0') {
    std::string_view it(item);
    if (it.size() > 80) it = it.substr(0, 80);
    w += ": ";
    w += detail::make_valid_utf8(it);
  }
  if (offset >= 0) w += " (at byte " + std::to_string(offset) + ")";
  // GMime repeats some warnings once per nesting level; one of each is enough.
  for (const auto& existing : *sink->warnings) {
    if (existing == w) return;
  }
  sink->warnings->push_back(std::move(w));
}

[[noreturn]] void limit_exceeded(const char* field, std::size_t value, const std::string& detail) {
  throw error(errc::decode_error, std::string("mail: parse_options.") + field + " (" +
                                      std::to_string(value) + ") exceeded: " + detail);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string utf8_or_empty(const char* s) {
  return s == nullptr ? std::string() : detail::make_valid_utf8(s);
}

// Strips a leading mbox "From " envelope line and checks the input starts with a header
// field ("Name:"), which is what separates a message from arbitrary bytes.
std::string_view check_and_strip_envelope(std::string_view raw) {
  if (raw.empty()) throw error(errc::decode_error, "mail: not an email message: empty input");
  if (raw.substr(0, 5) == "From ") {
    const auto nl = raw.find('\n');
    raw = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
  }
  std::size_t i = 0;
  while (i < raw.size()) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c <= 32 || c >= 127 || c == ':') break;
    ++i;
  }
  const std::size_t name_len = i;
  while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t')) ++i;
  if (name_len == 0 || i >= raw.size() || raw[i] != ':') {
    throw error(errc::decode_error,
                "mail: not an email message: the input does not start with a header field "
                "(\"Name: value\")");
  }
  return raw;
}

bool iequals_prefix(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

std::string_view trim_lwsp_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Every boundary parameter value anywhere in the input; `continued_boundary` is set when one is an
// RFC 2231 continuation ("boundary*0="), which is not worth decoding here.
std::unordered_set<std::string_view> declared_boundaries(std::string_view raw,
                                                         const parse_options& options,
                                                         bool& continued_boundary) {
  std::unordered_set<std::string_view> boundaries;
  for (std::size_t pos = 0; pos + 9 < raw.size(); ++pos) {
    if ((raw[pos] | 0x20) != 'b' || !iequals_prefix(raw.substr(pos), "boundary")) continue;
    std::size_t i = pos + 8;
    if (i < raw.size() && raw[i] == '*') continued_boundary = true;
    while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n'))
      ++i;
    if (i >= raw.size() || raw[i] != '=') continue;
    ++i;
    while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n'))
      ++i;
    std::size_t end = i;
    if (i < raw.size() && raw[i] == '"') {
      ++i;
      end = raw.find('"', i);
      if (end == std::string_view::npos) end = raw.size();
    } else {
      while (end < raw.size() && raw[end] != ';' && raw[end] != ' ' && raw[end] != '\t' &&
             raw[end] != '\r' && raw[end] != '\n') {
        ++end;
      }
    }
    boundaries.insert(raw.substr(i, end - i));
    if (boundaries.size() > options.max_parts) {
      limit_exceeded("max_parts", options.max_parts, "the message declares more multiparts");
    }
  }
  return boundaries;
}

// GMime allocates an object per MIME part and per header field before ferry sees any of
// them: 7 MB of "--b" lines become a million parts (gigabytes, minutes). This linear scan
// of the raw bytes counts what GMime would build — delimiter lines of declared boundaries
// (GMime's rule: "--" boundary, optional trailing whitespace) and header block sizes — and
// refuses the input first. It can over-count (a boundary named in a body), never under-.
void prescan_structure(std::string_view raw, const parse_options& options) {
  // 1. Every boundary parameter value anywhere in the input.
  bool continued_boundary = false;
  const auto boundaries = declared_boundaries(raw, options, continued_boundary);

  // In a multipart/digest, parts without a Content-Type are messages (RFC 2046 5.1.5).
  bool has_digest = false;
  for (std::size_t pos = raw.find('/'); pos != std::string_view::npos && !has_digest;
       pos = raw.find('/', pos + 1)) {
    has_digest = pos >= 9 && iequals_prefix(raw.substr(pos - 9), "multipart/digest");
  }

  // 2. Lines: delimiter lines start parts (whose header blocks follow); header blocks end
  // at an empty line, and a message/* Content-Type makes the next block headers as well.
  std::size_t parts = 0;
  bool in_headers = true;
  bool embedded_message = false;
  bool part_block = false;        // the current header block follows a delimiter line
  bool saw_content_type = false;  // ... and has a Content-Type field
  std::size_t header_bytes = 0;
  for (std::size_t pos = 0; pos < raw.size();) {
    std::size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) nl = raw.size();
    const std::string_view line = raw.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.size() >= 2 && line[0] == '-' && line[1] == '-') {
      const std::string_view rest = trim_lwsp_right(line.substr(2));
      const bool opening = boundaries.count(rest) != 0;
      const bool closing = !opening && rest.size() >= 2 && rest.substr(rest.size() - 2) == "--" &&
                           boundaries.count(rest.substr(0, rest.size() - 2)) != 0;
      // Without decoding RFC 2231 boundaries, any "--x" line might be one.
      const bool maybe = continued_boundary && !closing && !rest.empty() && rest[0] != ' ';
      if (opening || maybe) {
        if (++parts > options.max_parts) {
          limit_exceeded("max_parts", options.max_parts, "the message has more MIME parts");
        }
        in_headers = true;
        embedded_message = false;
        part_block = true;
        saw_content_type = false;
        header_bytes = 0;
        continue;
      }
      if (closing) {
        in_headers = false;
        continue;
      }
    }
    if (!in_headers) continue;
    if (trim_lwsp_right(line).empty()) {
      // End of a header block; an embedded message's own headers come next.
      in_headers = embedded_message || (has_digest && part_block && !saw_content_type);
      embedded_message = false;
      part_block = false;
      saw_content_type = false;
      header_bytes = 0;
      continue;
    }
    header_bytes += line.size() + 1;
    if (header_bytes > options.max_header_bytes) {
      limit_exceeded("max_header_bytes", options.max_header_bytes, "a header block is larger");
    }
    if (iequals_prefix(line, "content-type:")) {
      saw_content_type = true;
      const std::string_view value = line.substr(13);
      std::size_t i = 0;
      while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
      embedded_message = iequals_prefix(value.substr(i), "message/");
    }
  }
}

std::string stream_bytes(GMimeStreamMem* mem) {
  GByteArray* arr = g_mime_stream_mem_get_byte_array(mem);
  if (arr == nullptr || arr->len == 0) return {};
  return std::string(reinterpret_cast<const char*>(arr->data), arr->len);
}

class walker {
 public:
  walker(const parse_options& options, parsed_message& out, GMimeParserOptions* popts)
      : options_(options), out_(out), popts_(popts) {}

  struct bodies {
    std::string text;
    std::string html;
  };

  void read_headers(GMimeMessage* msg) {
    out_.message_id = optional_string(g_mime_message_get_message_id(msg));
    out_.subject = utf8_or_empty(g_mime_message_get_subject(msg));
    std::vector<mailbox> from;
    append_addresses(g_mime_message_get_from(msg), from, 0);
    if (!from.empty()) out_.from = std::move(from.front());
    append_addresses(g_mime_message_get_reply_to(msg), out_.reply_to, 0);
    append_addresses(g_mime_message_get_to(msg), out_.to, 0);
    append_addresses(g_mime_message_get_cc(msg), out_.cc, 0);
    auto* obj = GMIME_OBJECT(msg);
    if (GDateTime* date = g_mime_message_get_date(msg); date != nullptr) {
      // Outside 1824-2116 (ferry/checked_time.hpp) a Date is rejected rather than clamped:
      // a stored date the sender never wrote would mislead more than none.
      if (const auto t = time_from_unix(std::chrono::seconds(g_date_time_to_unix(date)));
          t.clamped()) {
        out_.warnings.push_back("Date header out of range (before 1824 or after 2116): ignored");
      } else {
        out_.date = t.value;
      }
    } else if (g_mime_object_get_header(obj, "Date") != nullptr) {
      out_.warnings.push_back("unparseable Date header");
    }
    if (auto ids = message_ids(g_mime_object_get_header(obj, "In-Reply-To")); !ids.empty()) {
      out_.in_reply_to = std::move(ids.front());
    }
    out_.references = message_ids(g_mime_object_get_header(obj, "References"));
  }

  void check_header_bytes(GMimeMessage* msg) {
    // The top-level header block is split by GMime between the message (RFC 5322 fields)
    // and its body part (Content-* fields); count both.
    std::size_t bytes = header_bytes(GMIME_OBJECT(msg));
    if (GMimeObject* body = g_mime_message_get_mime_part(msg); body != nullptr) {
      bytes += header_bytes(body);
    }
    if (bytes > options_.max_header_bytes) {
      limit_exceeded("max_header_bytes", options_.max_header_bytes,
                     "a message header block has " + std::to_string(bytes) + " bytes");
    }
  }

  // Depth 1 is the top-level message's body.
  void walk(GMimeObject* obj, std::size_t depth, bodies& b, std::vector<attachment>& atts) {
    if (obj == nullptr) return;
    if (depth > options_.max_depth) {
      limit_exceeded("max_depth", options_.max_depth, "MIME parts are nested deeper");
    }
    if (++parts_ > options_.max_parts) {
      limit_exceeded("max_parts", options_.max_parts, "the message has more MIME parts");
    }
    if (const std::size_t hb = header_bytes(obj); hb > options_.max_header_bytes) {
      limit_exceeded("max_header_bytes", options_.max_header_bytes,
                     "a part header block has " + std::to_string(hb) + " bytes");
    }

    if (GMIME_IS_MULTIPART(obj)) {
      walk_multipart(GMIME_MULTIPART(obj), depth, b, atts);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
      walk_forwarded(GMIME_MESSAGE_PART(obj), depth, b, atts);
    } else if (GMIME_IS_PART(obj)) {
      walk_leaf(GMIME_PART(obj), b, atts);
    }
  }

 private:
  void walk_multipart(GMimeMultipart* mp, std::size_t depth, bodies& b,
                      std::vector<attachment>& atts) {
    const int count = g_mime_multipart_get_count(mp);
    const std::string subtype = media(GMIME_OBJECT(mp)).second;
    if (subtype == "alternative") {
      // RFC 2046 5.1.4: alternatives are in increasing order of faithfulness; the last
      // text/plain and the last text/html win. Attachments of every alternative are kept
      // (e.g. the images of a multipart/related html alternative).
      bodies best;
      for (int i = 0; i < count; ++i) {
        bodies alt;
        walk(g_mime_multipart_get_part(mp, i), depth + 1, alt, atts);
        if (!alt.text.empty()) best.text = std::move(alt.text);
        if (!alt.html.empty()) best.html = std::move(alt.html);
      }
      append_text(b.text, best.text);
      b.html += best.html;
      return;
    }
    // mixed, related, signed, digest, report and unknown subtypes: children in order.
    for (int i = 0; i < count; ++i) walk(g_mime_multipart_get_part(mp, i), depth + 1, b, atts);
  }

  void walk_forwarded(GMimeMessagePart* part, std::size_t depth, bodies& b,
                      std::vector<attachment>& atts) {
    GMimeMessage* msg = g_mime_message_part_get_message(part);
    if (msg == nullptr) {
      out_.warnings.push_back("empty message/rfc822 part");
      return;
    }
    if (depth + 1 > options_.max_depth) {
      limit_exceeded("max_depth", options_.max_depth, "MIME parts are nested deeper");
    }
    check_header_bytes(msg);

    // The whole forwarded message, re-serialised by GMime, as one attachment.
    attachment a;
    const char* fname =
        g_mime_object_get_content_disposition_parameter(GMIME_OBJECT(part), "filename");
    a.filename = utf8_or_empty(fname);
    a.safe_filename = safe_filename(a.filename.empty() ? "forwarded.eml" : a.filename);
    a.content_type = "message/rfc822";
    a.content_id = utf8_or_empty(g_mime_object_get_content_id(GMIME_OBJECT(part)));
    if (GMimeContentDisposition* disp = g_mime_object_get_content_disposition(GMIME_OBJECT(part));
        disp != nullptr) {
      a.is_inline =
          lower(utf8_or_empty(g_mime_content_disposition_get_disposition(disp))) == "inline";
    }
    {
      gobject_ptr<GMimeStream> mem(g_mime_stream_mem_new());
      g_mime_object_write_to_stream(GMIME_OBJECT(msg), nullptr, mem.get());
      a.bytes = stream_bytes(GMIME_STREAM_MEM(mem.get()));
    }
    a.size = a.bytes.size();
    atts.push_back(std::move(a));

    // Its bodies are appended to ours after a separator, its attachments listed (or not).
    bodies fb;
    std::vector<attachment> inner;
    walk(g_mime_message_get_mime_part(msg), depth + 1, fb, inner);
    if (options_.list_forwarded_attachments) {
      for (auto& x : inner) atts.push_back(std::move(x));
    }
    std::string header = "---------- Forwarded message ----------\n";
    std::vector<mailbox> from;
    append_addresses(g_mime_message_get_from(msg), from, 0);
    if (!from.empty()) {
      header +=
          "From: " +
          (from.front().name.empty() ? from.front().address
                                     : from.front().name + " <" + from.front().address + ">") +
          "\n";
    }
    header += "Subject: " + utf8_or_empty(g_mime_message_get_subject(msg)) + "\n\n";
    if (!fb.text.empty() || fb.html.empty()) append_text(b.text, header + fb.text);
    b.html += fb.html;
  }

  void walk_leaf(GMimePart* part, bodies& b, std::vector<attachment>& atts) {
    auto* obj = GMIME_OBJECT(part);
    const auto [type, subtype] = media(obj);
    GMimeContentDisposition* disp = g_mime_object_get_content_disposition(obj);
    const std::string disposition =
        disp != nullptr ? lower(utf8_or_empty(g_mime_content_disposition_get_disposition(disp)))
                        : std::string();
    std::string filename = utf8_or_empty(g_mime_part_get_filename(part));

    std::string bytes = decoded_content(part, type + "/" + subtype);

    const bool is_body = type == "text" && (subtype == "plain" || subtype == "html") &&
                         disposition != "attachment" && filename.empty();
    if (is_body) {
      const std::string what = "text/" + subtype + " part";
      std::string text = detail::to_utf8(
          bytes, utf8_or_empty(g_mime_object_get_content_type_parameter(obj, "charset")), what,
          out_.warnings);
      if (subtype == "plain") {
        append_text(b.text, text);
      } else {
        b.html += text;
      }
      return;
    }

    attachment a;
    a.filename = std::move(filename);
    a.safe_filename = safe_filename(a.filename);
    a.content_type = type + "/" + subtype;
    a.content_id = utf8_or_empty(g_mime_part_get_content_id(part));
    a.is_inline = disposition.empty() ? !a.content_id.empty() : disposition == "inline";
    a.bytes = std::move(bytes);
    a.size = a.bytes.size();
    atts.push_back(std::move(a));
  }

  // The part's content with its Content-Transfer-Encoding removed.
  std::string decoded_content(GMimePart* part, const std::string& what) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content == nullptr) return {};
    if (g_mime_data_wrapper_get_encoding(content) == GMIME_CONTENT_ENCODING_BASE64) {
      check_base64(content, what);
    }
    gobject_ptr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, mem.get());
    return stream_bytes(GMIME_STREAM_MEM(mem.get()));
  }

  // GMime's base64 decoder silently skips characters outside the alphabet; report them.
  void check_base64(GMimeDataWrapper* content, const std::string& what) {
    GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
    if (raw == nullptr) return;
    g_mime_stream_reset(raw);
    gobject_ptr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_stream_write_to_stream(raw, mem.get());
    g_mime_stream_reset(raw);
    const std::string encoded = stream_bytes(GMIME_STREAM_MEM(mem.get()));
    std::size_t data_chars = 0;
    for (const char c : encoded) {
      const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '+' || c == '/';
      if (alpha) {
        ++data_chars;
      } else if (c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t') {
        out_.warnings.push_back("invalid base64 in " + what + " part; invalid characters skipped");
        return;
      }
    }
    if (data_chars % 4 == 1) {
      out_.warnings.push_back("truncated base64 in " + what + " part");
    }
  }

  static void append_text(std::string& to, const std::string& text) {
    if (text.empty()) return;
    if (!to.empty() && to.back() != '\n') to += '\n';
    if (!to.empty()) to += '\n';
    to += text;
  }

  // Lower-case media type and subtype; GLib would log a critical for a null content type.
  static std::pair<std::string, std::string> media(GMimeObject* obj) {
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    if (ct == nullptr) return {"application", "octet-stream"};
    return {lower(utf8_or_empty(g_mime_content_type_get_media_type(ct))),
            lower(utf8_or_empty(g_mime_content_type_get_media_subtype(ct)))};
  }

  static std::size_t header_bytes(GMimeObject* obj) {
    GMimeHeaderList* list = g_mime_object_get_header_list(obj);
    if (list == nullptr) return 0;
    std::size_t total = 0;
    const int n = g_mime_header_list_get_count(list);
    for (int i = 0; i < n; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
      if (h == nullptr) continue;
      const char* name = g_mime_header_get_name(h);
      const char* value = g_mime_header_get_raw_value(h);
      total += (name != nullptr ? std::char_traits<char>::length(name) : 0) +
               (value != nullptr ? std::char_traits<char>::length(value) : 0) + 2;
    }
    return total;
  }

  static std::optional<std::string> optional_string(const char* s) {
    if (s == nullptr || *s == '\0') return std::nullopt;
    return detail::make_valid_utf8(s);
  }

  std::vector<std::string> message_ids(const char* header) {
    std::vector<std::string> ids;
    if (header == nullptr) return ids;
    GMimeReferences* refs = g_mime_references_parse(popts_, header);
    if (refs == nullptr) return ids;
    const int n = g_mime_references_length(refs);
    for (int i = 0; i < n; ++i) {
      if (const char* id = g_mime_references_get_message_id(refs, i); id != nullptr) {
        ids.push_back(detail::make_valid_utf8(id));
      }
    }
    g_mime_references_free(refs);
    return ids;
  }

  // Groups ("undisclosed-recipients:;", "Team: a@x, b@y;") are flattened; RFC 5322 groups
  // cannot nest, the level guard only protects against a parser surprise.
  static void append_addresses(InternetAddressList* list, std::vector<mailbox>& out, int level) {
    if (list == nullptr || level > 2) return;
    const int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
      InternetAddress* ia = internet_address_list_get_address(list, i);
      if (ia == nullptr) continue;
      if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
        out.push_back(
            {utf8_or_empty(internet_address_get_name(ia)),
             utf8_or_empty(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)))});
      } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
        append_addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out,
                         level + 1);
      }
    }
  }

  const parse_options& options_;
  parsed_message& out_;
  GMimeParserOptions* popts_;
  std::size_t parts_ = 0;
};

}  // namespace

parsed_message parse_message(std::string_view raw, const parse_options& options) {
  if (raw.size() > options.max_size) {
    limit_exceeded("max_size", options.max_size,
                   "the input has " + std::to_string(raw.size()) + " bytes");
  }
  raw = check_and_strip_envelope(raw);
  prescan_structure(raw, options);
  detail::ensure_gmime_initialized();

  parsed_message out;
  warning_sink sink{&out.warnings};

  // Everything GMime allocates for this call is owned here and released on every path.
  detail::parser_options_ptr popts(g_mime_parser_options_new());
  g_mime_parser_options_set_rfc2047_compliance_mode(popts.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(popts.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode(popts.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_allow_addresses_without_domain(popts.get(), TRUE);
  // Undeclared 8-bit header text: UTF-8 if it validates, else the Windows code page.
  const char* fallback[] = {"UTF-8", "windows-1252", nullptr};
  g_mime_parser_options_set_fallback_charsets(popts.get(), fallback);
  g_mime_parser_options_set_warning_callback(popts.get(), on_parser_warning, &sink);

  gobject_ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  gobject_ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  gobject_ptr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), popts.get()));
  if (!message) {
    throw error(errc::decode_error, "mail: not an email message: no message could be parsed");
  }
  if (sink.nesting_overflow) {
    limit_exceeded("max_depth", options.max_depth,
                   "MIME parts are nested deeper than GMime's own limit");
  }

  walker w(options, out, popts.get());
  w.check_header_bytes(message.get());
  w.read_headers(message.get());
  walker::bodies b;
  w.walk(g_mime_message_get_mime_part(message.get()), 1, b, out.attachments);
  out.text_body = std::move(b.text);
  out.html_body = std::move(b.html);
  if (sink.dropped > 0) {
    out.warnings.push_back(std::to_string(sink.dropped) + " further parser warnings suppressed");
  }
  return out;
}

}  // namespace ferry::mail
