#include "ferry/mail/sanitize.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <gumbo.h>

#include "ferry/core/error.hpp"
#include "mail/charset.hpp"

namespace ferry::mail {
namespace {

template <std::size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Elements without end tags in HTML serialisation.
constexpr std::array<std::string_view, 18> void_elements = {
    "area", "base",  "br",     "col",   "embed", "hr",       "img",     "input", "link",
    "meta", "param", "source", "track", "wbr",   "basefont", "bgsound", "frame", "keygen"};
bool is_void(std::string_view tag) {
  return one_of(tag, void_elements);
}

// Elements that close themselves implicitly (or are void); the nesting pre-scan does not
// count them, so ordinary sloppy HTML (<p> ... <p>, <li> without </li>) stays cheap.
constexpr std::array<std::string_view, 18> implicitly_closed = {
    "p",     "li",    "dt",    "dd", "tr", "td", "th", "option",   "optgroup",
    "tbody", "thead", "tfoot", "rb", "rt", "rp", "a",  "colgroup", "caption"};
bool is_non_nesting(std::string_view tag) {
  return one_of(tag, implicitly_closed) || is_void(tag);
}

bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_alnum(char c) {
  return is_ascii_alpha(c) || (c >= '0' && c <= '9');
}
char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

// HTML tree construction costs O(depth) per tag (scope checks walk the stack of open
// elements), so a document nested 100 000 deep, or 2 000 deep followed by a million stray
// end tags, takes minutes. This linear pre-scan simulates the nesting from the raw tags
// (over-estimating it for HTML that leaves elements open) and refuses such input before
// gumbo sees it. `work` sums the simulated depth at every tag: a proxy for gumbo's cost.
void check_input_cost(std::string_view html, const sanitize_policy& policy) {
  std::size_t depth = 0;
  std::size_t work = 0;
  std::unordered_map<std::string, std::size_t> open;  // simulated open elements, by name
  std::string name;
  const std::size_t n = html.size();
  std::size_t i = 0;
  while (i < n) {
    const std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= n) break;
    i = lt + 1;
    if (html.compare(lt, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", lt + 4);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    const bool closing = html[i] == '/';
    if (closing) ++i;
    if (i >= n || !is_ascii_alpha(html[i])) continue;
    name.clear();
    while (i < n && is_ascii_alnum(html[i]) && name.size() < 32) name += to_lower(html[i++]);
    work += depth + 1;
    if (work > policy.max_input_work) {
      throw error(errc::decode_error, "mail: sanitize_policy.max_input_work (" +
                                          std::to_string(policy.max_input_work) +
                                          ") exceeded: too many tags nested too deep");
    }
    // Self-closing syntax ("<div/>") does not close HTML elements, so it is not special.
    if (is_non_nesting(name)) continue;
    if (closing) {
      // Only an end tag whose element is open closes anything; stray ones cost work.
      if (auto it = open.find(name); it != open.end() && it->second > 0) {
        --it->second;
        --depth;
      }
    } else {
      ++open[name];
      if (++depth > policy.max_input_nesting) {
        throw error(errc::decode_error, "mail: sanitize_policy.max_input_nesting (" +
                                            std::to_string(policy.max_input_nesting) +
                                            ") exceeded: the HTML nests elements deeper");
      }
    }
  }
}

// Code points a character reference can produce but raw input cannot: C0 controls other than
// HTML whitespace, DEL, C1 controls and noncharacters. gumbo's input stream turns them into
// U+FFFD while browsers keep them, so written raw they would make the page read other text and
// other URLs than the ones checked here.
bool parsers_disagree(char32_t c) {
  return (c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
         (c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFEu) == 0xFFFEu;
}

// `s` with every such code point replaced by U+FFFD (malformed UTF-8 is left for the final
// make_valid_utf8 pass).
std::string unambiguous(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    char32_t c = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
    bool whole = i + n <= s.size();
    for (std::size_t k = 1; whole && k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      whole = (cont & 0xC0u) == 0x80u;
      c = (c << 6) | (cont & 0x3Fu);
    }
    if (whole && parsers_disagree(c)) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(i, whole ? n : 1));
    }
    i += whole ? n : 1;
  }
  return out;
}

void escape_into(std::string& out, std::string_view s, bool attribute) {
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (attribute) {
          out += "&quot;";
        } else {
          out += c;
        }
        break;
      case '\0': break;  // never emit NUL
      default: out += c;
    }
  }
}

// Removes ASCII whitespace and control characters anywhere (for the CSS check, which refuses
// "java\tscript:" and "u\nrl(" alike).
std::string compact_url(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) continue;
    out += c;
  }
  return out;
}

// A URL attribute as a browser's URL parser reads it: leading and trailing C0 controls and
// spaces trimmed, tab/CR/LF removed; the other controls and spaces it keeps are
// percent-encoded, so they can neither hide inside a scheme nor vanish only for the check.
// The sanitiser checks and writes this form: the page follows exactly the URL that was checked.
std::string browser_url(std::string_view value) {
  const auto space_or_control = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!value.empty() && space_or_control(value.front())) value.remove_prefix(1);
  while (!value.empty() && space_or_control(value.back())) value.remove_suffix(1);
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (b <= 0x20 || b == 0x7F) {
      constexpr std::string_view hex = "0123456789ABCDEF";
      out += '%';
      out += hex[b >> 4];
      out += hex[b & 0xFu];
      continue;
    }
    out += c;
  }
  return out;
}

class sanitizer {
 public:
  explicit sanitizer(const sanitize_policy& p) : p_(p) {}

  std::string run(const GumboNode* body) {
    out_.clear();
    // Explicit stack instead of recursion: the tree can be deep whatever the policy.
    struct frame {
      const GumboNode* node;
      unsigned int next_child;
      std::string end_tag;  // written after the children; empty when the tag was not written
    };
    std::vector<frame> stack;
    stack.push_back({body, 0, {}});
    std::size_t emitted_depth = 0;
    while (!stack.empty()) {
      frame& f = stack.back();
      const GumboVector& children = f.node->v.element.children;
      if (f.next_child >= children.length) {
        if (!f.end_tag.empty()) {
          out_ += "</" + f.end_tag + ">";
          --emitted_depth;
        }
        stack.pop_back();
        continue;
      }
      const auto* child = static_cast<const GumboNode*>(children.data[f.next_child++]);
      switch (child->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA: escape_into(out_, unambiguous(child->v.text.text), false); break;
        case GUMBO_NODE_COMMENT:
        case GUMBO_NODE_DOCUMENT:
          break;  // comments can carry conditional-comment payloads; never kept
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE: {
          const std::string name = element_name(child);
          const bool allowed = child->type == GUMBO_NODE_ELEMENT &&
                               p_.allowed_tags.count(name) != 0 && emitted_depth < p_.max_depth;
          if (!allowed) {
            const bool drop = p_.drop_content_tags.count(name) != 0 || !p_.unwrap_disallowed ||
                              child->type == GUMBO_NODE_TEMPLATE;
            // Elements nested beyond max_depth are unwrapped, never dropped: text survives.
            if (!drop || (p_.allowed_tags.count(name) != 0 && emitted_depth >= p_.max_depth)) {
              stack.push_back({child, 0, {}});
            }
            break;
          }
          out_ += "<" + name;
          write_attributes(child, name);
          out_ += ">";
          if (is_void(name)) break;
          ++emitted_depth;
          stack.push_back({child, 0, name});
          break;
        }
      }
    }
    return std::move(out_);
  }

 private:
  static std::string element_name(const GumboNode* node) {
    const GumboElement& el = node->v.element;
    if (el.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(el.tag);
    GumboStringPiece piece = el.original_tag;
    gumbo_tag_from_original_text(&piece);
    if (piece.data == nullptr || piece.length == 0) return "unknown";
    return lower(std::string_view(piece.data, piece.length));
  }

  static std::string attribute_name(const GumboAttribute* a) {
    std::string name = lower(a->name);
    switch (a->attr_namespace) {
      case GUMBO_ATTR_NAMESPACE_XLINK: return "xlink:" + name;
      case GUMBO_ATTR_NAMESPACE_XML: return "xml:" + name;
      case GUMBO_ATTR_NAMESPACE_XMLNS: return "xmlns:" + name;
      default: return name;
    }
  }

  bool attribute_allowed(const std::string& tag, const std::string& name) const {
    if (p_.global_attributes.count(name) != 0) return true;
    const auto it = p_.tag_attributes.find(tag);
    return it != p_.tag_attributes.end() && it->second.count(name) != 0;
  }

  void write_attributes(const GumboNode* node, const std::string& tag) {
    const GumboVector& attrs = node->v.element.attributes;
    for (unsigned int i = 0; i < attrs.length; ++i) {
      const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
      const std::string name = attribute_name(a);
      // Event handlers run script; no policy can allow them.
      if (name.size() >= 2 && name[0] == 'o' && name[1] == 'n') continue;
      // Checked as written: the URL and style checks see what the page will see.
      std::string value = unambiguous(a->value != nullptr ? a->value : "");
      if (p_.url_attributes.count(name) != 0) value = browser_url(value);
      if (name == "style") {
        if (!p_.allow_style_attribute || !style_is_safe(value)) continue;
      } else if (!attribute_allowed(tag, name)) {
        continue;
      }
      if (p_.url_attributes.count(name) != 0 &&
          !url_allowed(value, tag == "img" && name == "src")) {
        continue;
      }
      out_ += " " + name + "=\"";
      escape_into(out_, value, true);
      out_ += "\"";
    }
  }

  // `url` is browser_url()'s form.
  bool url_allowed(const std::string& url, bool image_source) const {
    if (url.empty() || url.front() == '#') return true;
    // RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" — and the colon must
    // come before any '/', '?' or '#' (otherwise it is part of a relative path).
    const std::size_t colon = url.find(':');
    const std::size_t delim = url.find_first_of("/?#");
    if (colon == std::string::npos || (delim != std::string::npos && delim < colon)) {
      return p_.allow_relative_urls;
    }
    const std::string_view scheme_part = std::string_view(url).substr(0, colon);
    bool valid_scheme = !scheme_part.empty() && is_ascii_alpha(scheme_part.front());
    for (const char c : scheme_part) {
      if (!(is_ascii_alnum(c) || c == '+' || c == '-' || c == '.')) valid_scheme = false;
    }
    // A colon before any path delimiter with no valid scheme is ambiguous: refuse it.
    if (!valid_scheme) return false;
    const std::string scheme = lower(scheme_part);
    if (image_source) {
      if (scheme == "data") return p_.allow_data_images && data_image_allowed(lower(url));
      return p_.image_url_schemes.count(scheme) != 0;
    }
    return p_.url_schemes.count(scheme) != 0;
  }

  static bool data_image_allowed(const std::string& url) {
    for (const char* prefix : {"data:image/png;base64,", "data:image/gif;base64,",
                               "data:image/jpeg;base64,", "data:image/webp;base64,"}) {
      if (url.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  static bool style_is_safe(std::string_view value) {
    const std::string css = lower(compact_url(value));
    for (const char* bad : {"url(", "expression", "@import", "behavior", "-moz-binding",
                            "javascript:", "vbscript:", "\\", "/*", "<", "image-set("}) {
      if (css.find(bad) != std::string::npos) return false;
    }
    return true;
  }

  const sanitize_policy& p_;
  std::string out_;
};

struct gumbo_output_deleter {
  void operator()(GumboOutput* o) const noexcept { gumbo_destroy_output(&kGumboDefaultOptions, o); }
};

}  // namespace

sanitize_policy default_policy() {
  sanitize_policy p;
  p.allowed_tags = {"a",       "abbr",  "address",    "article",    "aside",   "b",      "bdi",
                    "bdo",     "big",   "blockquote", "br",         "caption", "center", "cite",
                    "code",    "col",   "colgroup",   "dd",         "del",     "dfn",    "div",
                    "dl",      "dt",    "em",         "figcaption", "figure",  "font",   "footer",
                    "h1",      "h2",    "h3",         "h4",         "h5",      "h6",     "header",
                    "hr",      "i",     "img",        "ins",        "kbd",     "li",     "main",
                    "mark",    "ol",    "p",          "pre",        "q",       "s",      "samp",
                    "section", "small", "span",       "strike",     "strong",  "sub",    "sup",
                    "table",   "tbody", "td",         "tfoot",      "th",      "thead",  "time",
                    "tr",      "tt",    "u",          "ul",         "var",     "wbr"};
  // No id/class/name: they let a mail restyle or clobber the page that embeds it.
  p.global_attributes = {"title", "dir", "lang", "align", "valign"};
  p.tag_attributes = {
      {"a", {"href"}},
      {"img", {"src", "alt", "width", "height", "border"}},
      {"table", {"border", "cellpadding", "cellspacing", "width", "bgcolor", "summary"}},
      {"td", {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap"}},
      {"th", {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap", "scope"}},
      {"tr", {"bgcolor"}},
      {"col", {"span", "width"}},
      {"colgroup", {"span", "width"}},
      {"font", {"color", "size", "face"}},
      {"ol", {"start", "type", "reversed"}},
      {"ul", {"type"}},
      {"li", {"value"}},
      {"hr", {"width", "size", "noshade"}},
      {"blockquote", {"cite"}},
      {"q", {"cite"}},
      {"del", {"cite", "datetime"}},
      {"ins", {"cite", "datetime"}},
      {"time", {"datetime"}},
  };
  p.url_attributes = {"href",       "src",      "cite",   "action",   "formaction", "background",
                      "poster",     "longdesc", "lowsrc", "dynsrc",   "data",       "codebase",
                      "xlink:href", "srcset",   "usemap", "manifest", "ping",       "icon",
                      "profile",    "classid",  "archive"};
  p.url_schemes = {"http", "https", "mailto"};
  p.image_url_schemes = {"http", "https", "cid"};
  p.drop_content_tags = {"script",   "style",  "iframe", "frame",    "frameset", "noframes",
                         "object",   "embed",  "applet", "noscript", "noembed",  "template",
                         "svg",      "math",   "head",   "title",    "meta",     "link",
                         "base",     "param",  "audio",  "video",    "canvas",   "select",
                         "textarea", "button", "input",  "xml",      "xmp",      "plaintext"};
  return p;
}

std::string sanitize_html(std::string_view html, const sanitize_policy& policy) {
  if (html.size() > policy.max_input_bytes) {
    throw error(errc::decode_error,
                "mail: sanitize_policy.max_input_bytes (" + std::to_string(policy.max_input_bytes) +
                    ") exceeded: the HTML has " + std::to_string(html.size()) + " bytes");
  }
  check_input_cost(html, policy);
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // don't collect parse errors: hostile input has one per byte
  std::unique_ptr<GumboOutput, gumbo_output_deleter> output(
      gumbo_parse_with_options(&options, html.data(), html.size()));
  if (!output || output->root == nullptr || output->root->type != GUMBO_NODE_ELEMENT) return {};
  // The document's <body>; a frameset document has none and yields nothing.
  const GumboVector& top = output->root->v.element.children;
  for (unsigned int i = 0; i < top.length; ++i) {
    const auto* node = static_cast<const GumboNode*>(top.data[i]);
    if (node->type == GUMBO_NODE_ELEMENT && node->v.element.tag == GUMBO_TAG_BODY) {
      // gumbo 0.10 turns a numeric character reference that overflows its int into a stray
      // byte instead of U+FFFD; whatever it hands over, the output is valid UTF-8.
      return detail::make_valid_utf8(sanitizer(policy).run(node));
    }
  }
  return {};
}

std::string sanitize_html(std::string_view html) {
  static const sanitize_policy policy = default_policy();
  return sanitize_html(html, policy);
}

}  // namespace ferry::mail
