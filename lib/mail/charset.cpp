#include "mail/charset.hpp"

#include <cerrno>
#include <cstdint>

#include <gmime/gmime.h>
#include <iconv.h>

#include "ferry/core/utf8.hpp"

namespace ferry::mail::detail {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

// WHATWG windows-1252 mapping of 0x80..0x9F (the rest equals Latin-1).
constexpr std::uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string lower_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Decodes with iconv; undecodable bytes become U+FFFD. Returns false if iconv does not
// know the charset.
bool iconv_to_utf8(std::string_view bytes, const std::string& charset, std::string& out,
                   bool& had_invalid) {
  const char* name = g_mime_charset_iconv_name(charset.c_str());
  iconv_t cd = g_mime_iconv_open("UTF-8", name != nullptr ? name : charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.clear();
  out.reserve(bytes.size() + bytes.size() / 2);
  std::string in(bytes);  // iconv wants a mutable char*
  char* inbuf = in.data();
  std::size_t inleft = in.size();
  char buf[4096];
  while (true) {
    char* outbuf = buf;
    std::size_t outleft = sizeof buf;
    const std::size_t rc = iconv(cd, inleft > 0 ? &inbuf : nullptr, &inleft, &outbuf, &outleft);
    out.append(buf, static_cast<std::size_t>(outbuf - buf));
    if (rc != static_cast<std::size_t>(-1)) {
      if (inleft == 0) {
        // Flush any shift state, then stop.
        outbuf = buf;
        outleft = sizeof buf;
        iconv(cd, nullptr, nullptr, &outbuf, &outleft);
        out.append(buf, static_cast<std::size_t>(outbuf - buf));
        break;
      }
      continue;
    }
    if (errno == E2BIG) continue;
    // EILSEQ / EINVAL: skip one byte of input and mark it.
    had_invalid = true;
    out.append(replacement);
    if (inleft == 0) break;
    ++inbuf;
    --inleft;
    if (inleft == 0) break;
  }
  g_mime_iconv_close(cd);
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) noexcept {
  return g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr) != 0;
}

std::string make_valid_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size());
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    const char* bad = nullptr;
    if (g_utf8_validate(p, end - p, &bad) != 0) {
      out.append(p, end);
      break;
    }
    out.append(p, bad);
    out.append(replacement);
    p = bad + 1;
  }
  return out;
}

std::string windows1252_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x80 && b < 0xA0) {
      utf8_append(out, cp1252_high[b - 0x80]);
    } else {
      utf8_append(out, b);
    }
  }
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset_label, std::string_view what,
                    std::vector<std::string>& warnings) {
  const std::string charset = lower_trim(charset_label);
  // Unlabelled and ASCII-labelled text that is not ASCII: senders meant UTF-8 or their
  // Windows code page; try the strict one first.
  if (charset.empty() || charset == "us-ascii" || charset == "ascii" || charset == "utf-8" ||
      charset == "utf8") {
    if (is_valid_utf8(bytes)) return std::string(bytes);
    if (charset == "utf-8" || charset == "utf8") {
      warnings.push_back("invalid UTF-8 in " + std::string(what) + "; replaced with U+FFFD");
      return make_valid_utf8(bytes);
    }
    warnings.push_back("8-bit bytes in " + std::string(what) + " labelled '" +
                       (charset.empty() ? std::string("(none)") : charset) +
                       "'; decoded as windows-1252");
    return windows1252_to_utf8(bytes);
  }
  // Like browsers (WHATWG Encoding), read Latin-1 labels as windows-1252: Outlook sends
  // curly quotes and the euro sign (0x80-0x9F) under an iso-8859-1 label.
  if (charset == "iso-8859-1" || charset == "iso8859-1" || charset == "latin1" || charset == "l1" ||
      charset == "windows-1252" || charset == "cp1252" || charset == "x-cp1252") {
    return windows1252_to_utf8(bytes);
  }
  std::string out;
  bool had_invalid = false;
  if (!iconv_to_utf8(bytes, charset, out, had_invalid)) {
    if (is_valid_utf8(bytes)) {
      warnings.push_back("unknown charset '" + charset + "' in " + std::string(what) +
                         "; the bytes are valid UTF-8 and were kept");
      return std::string(bytes);
    }
    warnings.push_back("unknown charset '" + charset + "' in " + std::string(what) +
                       "; decoded as windows-1252");
    return windows1252_to_utf8(bytes);
  }
  if (had_invalid) {
    warnings.push_back("invalid " + charset + " sequences in " + std::string(what) +
                       "; replaced with U+FFFD");
  }
  // iconv output is UTF-8 by construction; validate anyway so callers can rely on it.
  return make_valid_utf8(out);
}

}  // namespace ferry::mail::detail
