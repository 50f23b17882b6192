#include "ferry/core/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "ferry/core/error.hpp"

namespace ferry {
namespace {

constexpr std::string_view delimiters = "/?#";
constexpr auto npos = std::string_view::npos;

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

bool all_digits(std::string_view s) {
  return s.find_first_not_of("0123456789") == npos;
}

// Whether `text` (the part of a URL before its first '/', '?' or '#') could be a whole authority
// by itself. If it could, an '@' further on may end a password or may sit in the path or the
// query, and the URL is refused rather than guessed at.
bool could_be_authority(std::string_view text, url_authority expected) {
  if (const auto at = text.rfind('@'); at != npos) text.remove_prefix(at + 1);
  if (expected == url_authority::none) return text.empty();
  if (text.starts_with('[')) return true;
  const auto colon = text.find(':');
  if (colon == 0 || text.empty()) return false;
  if (colon == npos) return true;
  const auto port = text.substr(colon + 1);
  return port.find(':') == npos && all_digits(port);
}

// Where the userinfo ends in `rest` (the text after "scheme://"): the index of its '@', npos when
// there is no userinfo, or nullopt when the URL does not say (see the header's rules).
std::optional<std::size_t> userinfo_end(std::string_view rest, url_authority expected) {
  const auto last_at = rest.rfind('@');
  if (last_at == npos) return npos;
  const auto userinfo = rest.substr(0, last_at);
  const auto first_delimiter = userinfo.find_first_of(delimiters);
  if (first_delimiter == npos) return last_at;
  const auto colon = userinfo.find(':');
  // No ':' at all: no password, so no character of one can be misplaced; RFC 3986's split.
  if (colon == npos) return rest.substr(0, first_delimiter).rfind('@');
  // The password holds the '/', '?' or '#', unless what precedes it is an authority already.
  if (colon < first_delimiter && !could_be_authority(rest.substr(0, first_delimiter), expected)) {
    return last_at;
  }
  return std::nullopt;
}

// What brackets may hold (RFC 3986, RFC 6874): an IPv6 address — hex digits, ':' and '.' —
// and an optional zone id after "%25" of unreserved characters. Anything else would reach no
// server, and a parser's to_string() could not write it back as the same URL.
bool is_ipv6_literal(std::string_view host) {
  const auto zone = host.find("%25");
  const auto address = host.substr(0, zone);
  const bool address_ok =
      address.find(':') != npos && std::all_of(address.begin(), address.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
      });
  if (!address_ok || zone == npos) return address_ok;
  const auto id = host.substr(zone + 3);
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
           c == '~';
  });
}

void split_host_port(std::string_view url, std::string_view kind, std::string_view authority,
                     url_parts& parts) {
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == npos) throw_url_error(kind, url, "unterminated '[' in IPv6 host");
    parts.host = authority.substr(1, close - 1);
    if (!is_ipv6_literal(parts.host)) {
      throw_url_error(kind, url, "the host in brackets is no IPv6 address");
    }
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw_url_error(kind, url, "unexpected text after IPv6 host");
      port = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    if (colon != npos && authority.find(':', colon + 1) != npos) {
      throw_url_error(kind, url, "IPv6 host must be written in brackets, e.g. [::1]:1234");
    }
    parts.host = authority.substr(0, colon);
    if (colon != npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (!has_port) return;
  if (port.empty()) throw_url_error(kind, url, "empty port");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    throw_url_error(kind, url, "bad port '" + std::string(port) + "' (expected 1..65535)");
  }
  parts.port = static_cast<std::uint16_t>(value);
}

bool ends_with_password(std::string_view key) {
  constexpr std::string_view word = "password";
  if (key.size() < word.size()) return false;
  const auto tail = key.substr(key.size() - word.size());
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(tail[i])) != word[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> url_scheme(std::string_view url) noexcept {
  const auto sep = url.find("://");
  if (sep == npos || sep == 0) return std::nullopt;
  const auto scheme = url.substr(0, sep);
  for (const char c : scheme) {
    if (!is_scheme_char(c)) return std::nullopt;
  }
  return scheme;
}

url_parts split_url(std::string_view url, std::string_view kind, url_authority authority) {
  url_parts parts;
  const auto scheme = url_scheme(url);
  if (!scheme) throw_url_error(kind, url, "missing scheme (expected scheme://...)");
  parts.scheme = *scheme;
  const auto rest = url.substr(scheme->size() + 3);

  const auto at = userinfo_end(rest, authority);
  if (!at) {
    throw_url_error(kind, url,
                    "cannot tell where the password ends: an '@' follows a '/', '?' or '#'; "
                    "percent-encode them in the password (%2F, %3F, %23), or write an '@' in "
                    "the path or query as %40");
  }
  std::size_t host_start = 0;
  if (*at != npos) {
    const auto userinfo = rest.substr(0, *at);
    const auto colon = userinfo.find(':');
    parts.user = userinfo.substr(0, colon);
    if (colon != npos) parts.password = userinfo.substr(colon + 1);
    host_start = *at + 1;
  }
  const auto host_end = std::min(rest.find_first_of(delimiters, host_start), rest.size());
  split_host_port(url, kind, rest.substr(host_start, host_end - host_start), parts);

  const auto tail = rest.substr(host_end);
  if (tail.find('#') != npos) {
    throw_url_error(kind, url, "unexpected '#' fragment (write '#' as %23)");
  }
  const auto question = tail.find('?');
  parts.path = tail.substr(0, question);
  if (question != npos) parts.query = tail.substr(question + 1);
  return parts;
}

void throw_url_error(std::string_view kind, std::string_view url, std::string_view problem) {
  std::string message = "invalid ";
  message += kind;
  message += " URL '";
  message += redact_url(url);
  message += "': ";
  message += problem;
  throw error(errc::config, message);
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // Without a valid scheme, a "://" may be inside the password: start at the beginning.
  const auto scheme = url_scheme(url);
  const std::size_t start = scheme ? scheme->size() + 3 : 0;
  // From the first ':' to the last '@': exactly the password whenever split_url accepts the
  // URL, and a superset of any password it could hold when it does not.
  const auto at = out.rfind('@');
  if (at != std::string::npos && at >= start) {
    const auto colon = out.find(':', start);
    if (colon < at) out.replace(colon + 1, at - colon - 1, redacted_password);
  }
  // Query keys such as password= (Redis) and sslpassword= (libpq).
  for (auto sep_pos = out.find_first_of("?&"); sep_pos != std::string::npos;
       sep_pos = out.find_first_of("?&", sep_pos + 1)) {
    const auto key_start = sep_pos + 1;
    const auto eq = out.find('=', key_start);
    const auto amp = out.find('&', key_start);
    if (eq == std::string::npos || eq > amp) continue;
    if (!ends_with_password(std::string_view(out).substr(key_start, eq - key_start))) continue;
    const auto value_end = amp == std::string::npos ? out.size() : amp;
    out.replace(eq + 1, value_end - eq - 1, redacted_password);
  }
  return out;
}

std::string redact_urls_in(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  // Each URL runs from its scheme to the next whitespace; the search goes on after it.
  for (auto sep = text.find("://"); sep != npos; sep = text.find("://", copied)) {
    std::size_t begin = sep;
    while (begin > copied && is_scheme_char(text[begin - 1])) --begin;
    std::size_t end = sep + 3;
    while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0) ++end;
    out += text.substr(copied, begin - copied);
    out += redact_url(text.substr(begin, end - begin));
    copied = end;
  }
  out += text.substr(copied);
  return out;
}

std::string redacted_userinfo(std::string_view encoded_user, bool has_password) {
  if (encoded_user.empty() && !has_password) return {};
  std::string out(encoded_user);
  if (has_password) {
    out += ':';
    out += redacted_password;
  }
  out += '@';
  return out;
}

}  // namespace ferry
