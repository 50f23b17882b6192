#include "ferry/mail/safe_filename.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "mail/charset.hpp"

namespace ferry::mail {
namespace {

// Decodes one UTF-8 code point at s[i] (s is valid UTF-8); returns its length.
std::size_t utf8_decode(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  const std::size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
  cp = b0 & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
  for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  }
  return std::min(len, s.size() - i);
}

// Characters that reorder or hide text ("photo\u202Egpj.exe" displays as "photoexe.jpg"),
// plus C1 controls.
bool is_invisible_or_control(std::uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0x200B || cp == 0x200E ||
         cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0xFEFF;
}

bool is_windows_forbidden(char c) {
  return c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' || c == '*';
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// CON, PRN, AUX, NUL, COM1-9, LPT1-9 are devices on Windows, with any extension.
bool is_reserved_device(std::string_view name) {
  const auto dot = name.find('.');
  std::string stem = upper_ascii(name.substr(0, dot));
  while (!stem.empty() && stem.back() == ' ') stem.pop_back();
  static constexpr std::array<std::string_view, 4> plain = {"CON", "PRN", "AUX", "NUL"};
  if (std::find(plain.begin(), plain.end(), stem) != plain.end()) return true;
  if (stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) && stem[3] >= '1' &&
      stem[3] <= '9') {
    return true;
  }
  return false;
}

// Longest prefix of s of at most n bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

std::string safe_filename(std::string_view name, std::size_t max_bytes) {
  max_bytes = std::max<std::size_t>(max_bytes, 16);
  std::string no_nul(name);
  std::erase(no_nul, '\0');  // before validation, which would turn NUL into U+FFFD
  const std::string valid = detail::make_valid_utf8(no_nul);
  std::string_view base = valid;
  if (const auto sep = base.find_last_of("/\\"); sep != std::string_view::npos) {
    base = base.substr(sep + 1);
  }

  std::string cleaned;
  cleaned.reserve(base.size());
  for (std::size_t i = 0; i < base.size();) {
    std::uint32_t cp = 0;
    const std::size_t len = utf8_decode(base, i, cp);
    if (!is_invisible_or_control(cp)) {
      if (len == 1 && is_windows_forbidden(base[i])) {
        cleaned += '_';
      } else {
        cleaned.append(base.substr(i, len));
      }
    }
    i += len;
  }

  // Leading dots hide files (".htaccess") or name directories ("..", "."); Windows drops
  // trailing dots and spaces, so "a.exe." would become "a.exe".
  std::string_view s = cleaned;
  while (!s.empty() && (s.front() == '.' || s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.remove_suffix(1);
  std::string out(s);
  if (out.empty()) return "attachment";
  if (is_reserved_device(out)) out.insert(0, "_");

  if (out.size() > max_bytes) {
    // Keep a short extension (".pdf", ".tar") so the file still opens with the right app.
    const auto dot = out.rfind('.');
    std::string ext;
    if (dot != std::string::npos && dot > 0 && out.size() - dot <= 16) ext = out.substr(dot);
    const std::string_view stem = std::string_view(out).substr(0, out.size() - ext.size());
    out = std::string(utf8_prefix(stem, max_bytes - ext.size())) + ext;
  }
  return out;
}

}  // namespace ferry::mail
