#include "ferry/redis/url.hpp"

#include "ferry/core/url.hpp"
#include "ferry/core/url_encoding.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "ferry/core/error.hpp"

namespace ferry::redis {

bool tls_available() noexcept {
  // hiredis_ssl may be present (FERRY_REDIS_HIREDIS_HAS_TLS), but ferry's socket layer reads
  // and writes the raw fd, which TLS would bypass; until that path exists TLS is reported
  // as unavailable rather than half-working.
  return false;
}

namespace {

constexpr std::string_view url_kind = "Redis";

[[noreturn]] void fail(std::string_view url, const std::string& what) {
  throw_url_error(url_kind, url, what);
}

// Percent-decodes `in`; `field` names the part in the error, never its content.
std::string decode(std::string_view url, std::string_view in, const char* field) {
  auto decoded = percent_decode(in);
  if (!decoded) fail(url, std::string("bad percent-encoding in ") + field);
  return std::move(*decoded);
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

// The longest duration a URL may give, about 31 years: to_string() writes durations in
// milliseconds, and the parser takes at most 12 digits, so a longer one would not read back.
constexpr long long max_duration_ms = 999'999'999'999;

// A decimal number ("0.5", "2", ".25") of units of `unit_ms` milliseconds, rounded to whole
// milliseconds (halves away from zero); nullopt when it is not one or is over
// `max_duration_ms`. Exact decimal arithmetic rather than std::from_chars into a double, which
// libc++ lacks before 20.
std::optional<long long> decimal_to_ms(std::string_view num, long long unit_ms) {
  const auto dot = num.find('.');
  const std::string_view whole = num.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : num.substr(dot + 1);
  const auto all_digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (whole.empty() && fraction.empty()) return std::nullopt;
  if (!all_digits(whole) || !all_digits(fraction) || whole.size() > 12) return std::nullopt;
  // Thousandths of a millisecond: the fraction's digits beyond them cannot move the rounding.
  const std::size_t fraction_digits = unit_ms == 1 ? 3 : 6;
  long long thousandths = 0;
  for (char c : whole) thousandths = thousandths * 10 + (c - '0');
  thousandths *= unit_ms * 1000;
  long long place = unit_ms == 1 ? 100 : 100000;
  for (std::size_t i = 0; i < fraction.size() && i < fraction_digits; ++i) {
    thousandths += (fraction[i] - '0') * place;
    place /= 10;
  }
  const long long ms = (thousandths + 500) / 1000;
  if (ms > max_duration_ms) return std::nullopt;
  return ms;
}

// "0.5" and "2" are seconds, "250ms" milliseconds, "2s" seconds.
std::chrono::milliseconds parse_duration(std::string_view url, std::string_view key,
                                         std::string_view v) {
  long long unit_ms = 1000;
  std::string_view num = v;
  if (v.ends_with("ms")) {
    unit_ms = 1;
    num.remove_suffix(2);
  } else if (v.ends_with("s")) {
    num.remove_suffix(1);
  }
  const auto ms = decimal_to_ms(num, unit_ms);
  // Zero is refused; a positive value under half a millisecond still means 1 ms.
  if (!ms || num.find_first_of("123456789") == std::string_view::npos) {
    fail(url, "bad " + std::string(key) + " '" + std::string(v) +
                  "' (expected a positive number of seconds, or milliseconds with 'ms')");
  }
  return std::chrono::milliseconds{std::max(*ms, 1LL)};
}

int parse_db(std::string_view url, std::string_view v) {
  int db = 0;
  if (!parse_int(v, db) || db < 0) fail(url, "bad db '" + std::string(v) + "'");
  return db;
}

// The host as split_url() found it: an IPv6 address (it was in brackets) may carry a zone id
// written "%25eth0" (RFC 6874); a name or an IPv4 address is taken as written.
void set_host(std::string_view url, const url_parts& parts, options& o) {
  if (parts.host.find(':') != std::string_view::npos) {
    o.host = decode(url, parts.host, "host");
  } else {
    o.host = std::string(parts.host);
    if (o.host.find_first_of(" %[]") != std::string::npos) {
      fail(url, "bad character in host '" + o.host + "'");
    }
  }
  if (o.host.empty()) fail(url, "empty host");
  if (parts.port) o.port = *parts.port;
}

}  // namespace

namespace {

// The scheme: sets o.tls for rediss://; returns whether the URL names a unix socket.
bool apply_scheme(std::string_view url, options& o) {
  const auto scheme_text = url_scheme(url);
  if (!scheme_text) fail(url, "missing scheme (expected redis://, rediss:// or unix://)");
  std::string scheme;
  for (char c : *scheme_text) {
    scheme += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  }
  if (scheme == "redis") return false;
  if (scheme == "rediss") {
    if (!tls_available()) {
      throw error(errc::unsupported, "rediss:// (TLS) in '" + redact_url(url) +
                                         "' needs a TLS-capable build of ferry; this one has "
                                         "none");
    }
    o.tls = true;
    return false;
  }
  if (scheme == "unix" || scheme == "redis+unix") return true;
  fail(url, "unknown scheme '" + scheme + "' (expected redis, rediss or unix)");
}

// One decoded query option other than password (which is decoded as a secret).
void apply_option(std::string_view url, std::string_view key, const std::string& value,
                  std::optional<int> path_db, options& o) {
  if (key == "db") {
    int db = parse_db(url, value);
    if (path_db && *path_db != db) fail(url, "db given in the path and the query differ");
    o.db = db;
  } else if (key == "connect_timeout" || key == "socket_connect_timeout") {
    o.connect_timeout = parse_duration(url, key, value);
  } else if (key == "timeout" || key == "command_timeout" || key == "socket_timeout") {
    o.command_timeout = parse_duration(url, key, value);
  } else if (key == "client_name") {
    if (value.empty() || value.find(' ') != std::string::npos) {
      fail(url, "bad client_name '" + value + "' (must be non-empty, without spaces)");
    }
    o.client_name = value;
  } else if (key == "user" || key == "username") {
    if (o.user) fail(url, "user given twice");
    o.user = value;
  } else if (key == "max_connections") {
    std::size_t n = 0;
    if (!parse_int(std::string_view(value), n) || n == 0) {
      fail(url, "bad max_connections '" + value + "' (expected a positive integer)");
    }
    o.pool.max_connections = n;
  } else if (key == "acquire_timeout") {
    o.pool.acquire_timeout = parse_duration(url, key, value);
  } else {
    fail(url, "unknown query option '" + std::string(key) + "'");
  }
}

void apply_query(std::string_view url, std::string_view query, std::optional<int> path_db,
                 options& o) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      fail(url, "query option '" + std::string(item) + "' has no value");
    }
    auto key = item.substr(0, eq);
    auto raw = item.substr(eq + 1);
    if (key == "password") {
      if (o.password) fail(url, "password given twice");
      o.password = decode(url, raw, "password");
      continue;
    }
    apply_option(url, key, decode(url, raw, "query option"), path_db, o);
  }
}

}  // namespace

options parse_url(std::string_view url) {
  options o;
  const bool is_unix = apply_scheme(url, o);
  const auto parts = split_url(url, url_kind, is_unix ? url_authority::none : url_authority::host);
  if (parts.user) {
    auto user = decode(url, *parts.user, "user");
    if (!user.empty()) o.user = std::move(user);
  }
  if (parts.password) o.password = decode(url, *parts.password, "password");

  std::optional<int> path_db;
  if (is_unix) {
    if (!parts.host.empty() || parts.port) fail(url, "unix socket path must be absolute");
    if (parts.path.size() < 2) fail(url, "empty unix socket path");
    o.unix_socket = decode(url, parts.path, "socket path");
  } else {
    set_host(url, parts, o);
    if (parts.path.size() > 1) path_db = parse_db(url, parts.path.substr(1));
  }
  if (path_db) o.db = *path_db;
  apply_query(url, parts.query, path_db, o);
  return o;
}

std::string to_string(const options& o) {
  std::string out = o.unix_socket ? "unix://" : (o.tls ? "rediss://" : "redis://");
  if (o.user || o.password) {
    out +=
        redacted_userinfo(o.user ? percent_encode(*o.user) : std::string(), o.password.has_value());
  }
  std::string query;
  auto add = [&query](std::string_view k, const std::string& v) {
    query += query.empty() ? '?' : '&';
    query += k;
    query += '=';
    query += v;
  };
  if (o.unix_socket) {
    // Encoded like any path: a raw '@', '?', '#' or '%' in it would read back as something else.
    out += percent_encode(*o.unix_socket, "/");
    if (o.db != 0) add("db", std::to_string(o.db));
  } else {
    if (o.host.find(':') != std::string::npos) {
      std::string h;
      for (char c : o.host) h += c == '%' ? std::string("%25") : std::string(1, c);
      out += '[' + h + ']';
    } else {
      out += o.host;
    }
    out += ':' + std::to_string(o.port) + '/' + std::to_string(o.db);
  }
  const options defaults;
  if (o.connect_timeout != defaults.connect_timeout) {
    add("connect_timeout", std::to_string(o.connect_timeout.count()) + "ms");
  }
  if (o.command_timeout != defaults.command_timeout) {
    add("timeout", std::to_string(o.command_timeout.count()) + "ms");
  }
  if (o.client_name) add("client_name", percent_encode(*o.client_name));
  if (o.pool.max_connections != defaults.pool.max_connections) {
    add("max_connections", std::to_string(o.pool.max_connections));
  }
  if (o.pool.acquire_timeout != defaults.pool.acquire_timeout) {
    add("acquire_timeout", std::to_string(o.pool.acquire_timeout.count()) + "ms");
  }
  return out + query;
}

}  // namespace ferry::redis
