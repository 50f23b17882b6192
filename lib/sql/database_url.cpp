#include "ferry/sql/database_url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "ferry/error.hpp"

namespace ferry::sql {
namespace {

constexpr std::string_view redacted = "***";

[[noreturn]] void fail(std::string_view input, std::string_view problem) {
  throw error(errc::config, fmt::format("database URL '{}': {}", redact_url(input), problem));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in, std::string_view input, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) fail(input, fmt::format("truncated %-escape in {}", what));
    const int hi = hex_digit(in[i + 1]);
    const int lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) fail(input, fmt::format("bad %-escape in {}", what));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  std::string out;
  for (const char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || s.empty()) return std::nullopt;
  return v;
}

// libpq keywords accepted in the query string; anything else is probably a typo.
constexpr std::string_view libpq_keywords[] = {
    "sslmode",          "sslrootcert",      "sslcert",
    "sslkey",           "sslpassword",      "sslcrl",
    "application_name", "options",          "target_session_attrs",
    "keepalives",       "keepalives_idle",  "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "client_encoding",
    "gssencmode",       "channel_binding",  "hostaddr",
    "passfile",         "requiressl"};

database_url parse_postgresql(std::string_view input, std::string_view rest) {
  database_url url;
  url.kind = backend::postgresql;

  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      url.user = percent_decode(userinfo.substr(0, colon), input, "user");
      url.password = percent_decode(userinfo.substr(colon + 1), input, "password");
    } else {
      url.user = percent_decode(userinfo, input, "user");
    }
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:5432
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(input, "unterminated '[' in host");
    host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') fail(input, "junk after ']' in host");
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority = authority.substr(colon);
  } else {
    authority = {};
  }
  url.host = std::string(host);
  if (!authority.empty()) {  // ":port"
    const auto port_text = authority.substr(1);
    const auto port = parse_int(port_text);
    if (!port || *port < 1 || *port > 65535) {
      fail(input, fmt::format("bad port '{}' (expected 1-65535)", port_text));
    }
    url.port = static_cast<std::uint16_t>(*port);
  }
  url.database = percent_decode(path, input, "database name");
  if (url.database.empty()) fail(input, "missing database name (postgresql://host/NAME)");
  if (url.database.find('/') != std::string::npos) fail(input, "database name contains '/'");

  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) fail(input, fmt::format("parameter '{}' has no value", item));
    const auto key = item.substr(0, eq);
    auto val = percent_decode(item.substr(eq + 1), input, "parameter value");
    if (key == "connect_timeout") {
      const auto secs = parse_int(val);
      if (!secs || *secs <= 0) {
        fail(input, fmt::format("bad connect_timeout '{}' (expected whole seconds > 0)", val));
      }
      url.connect_timeout = std::chrono::seconds(*secs);
    } else if (std::find(std::begin(libpq_keywords), std::end(libpq_keywords), key) !=
               std::end(libpq_keywords)) {
      url.parameters.emplace_back(std::string(key), std::move(val));
    } else {
      fail(input, fmt::format("unknown parameter '{}'", key));
    }
  }
  return url;
}

database_url sqlite_path(std::string_view input, std::string_view path) {
  if (path.empty()) fail(input, "missing SQLite file path");
  if (path.find('\0') != std::string_view::npos) fail(input, "path contains a NUL byte");
  database_url url;
  url.kind = backend::sqlite;
  url.path = std::string(path);
  return url;
}

// libpq quoting: values in single quotes, with \ and ' escaped.
std::string libpq_value(std::string_view v) {
  std::string out = "'";
  for (const char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace

std::string redact_url(std::string_view text) {
  std::string out(text);
  std::size_t from = 0;
  while (true) {
    const auto scheme_end = out.find("://", from);
    if (scheme_end == std::string::npos) break;
    const auto start = scheme_end + 3;
    // The authority ends at the first '/', '?' or whitespace; the last '@' in it ends userinfo.
    const auto end = out.find_first_of("/? \t\n", start);
    const auto authority_end = end == std::string::npos ? out.size() : end;
    const auto at = out.rfind('@', authority_end);
    if (at != std::string::npos && at >= start) {
      const auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, redacted);
        from = colon + 1 + redacted.size();
        continue;
      }
    }
    from = start;
  }
  return out;
}

database_url database_url::parse(std::string_view input) {
  if (input.empty()) fail(input, "empty");
  if (starts_with(input, "sqlite::memory:")) {
    if (input.size() != std::string_view("sqlite::memory:").size())
      fail(input, "junk after ':memory:'");
    return sqlite_path(input, ":memory:");
  }
  if (starts_with(input, "sqlite://")) {
    auto path = input.substr(9);  // sqlite:///abs keeps its leading '/'
    if (path.find('?') != std::string_view::npos) fail(input, "SQLite URLs take no parameters");
    return sqlite_path(input, path);
  }
  if (starts_with(input, "postgresql://")) return parse_postgresql(input, input.substr(13));
  if (starts_with(input, "postgres://")) return parse_postgresql(input, input.substr(11));
  if (const auto scheme = input.find("://"); scheme != std::string_view::npos) {
    fail(input, fmt::format("unsupported scheme '{}' (expected sqlite or postgresql)",
                            input.substr(0, scheme)));
  }
  if (starts_with(input, "sqlite:"))
    fail(input, "expected sqlite:///abs/path, sqlite://rel/path or sqlite::memory:");
  return sqlite_path(input, input);  // a bare file path
}

std::string database_url::to_string() const {
  if (kind == backend::sqlite) {
    if (path == ":memory:") return "sqlite::memory:";
    return "sqlite://" + path;
  }
  std::string out = "postgresql://";
  if (!user.empty() || !password.empty()) {
    out += percent_encode(user);
    if (!password.empty()) {
      out += ':';
      out += redacted;
    }
    out += '@';
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) out += fmt::format(":{}", *port);
  out += '/';
  out += percent_encode(database);
  char sep = '?';
  if (connect_timeout) {
    out += fmt::format("{}connect_timeout={}", sep, connect_timeout->count());
    sep = '&';
  }
  for (const auto& [k, v] : parameters) {
    out += fmt::format("{}{}={}", sep, k, percent_encode(v));
    sep = '&';
  }
  return out;
}

std::string database_url::postgresql_connection_string() const {
  if (kind != backend::postgresql) {
    throw std::invalid_argument("postgresql_connection_string() on a SQLite URL");
  }
  std::string out;
  const auto add = [&](std::string_view k, std::string_view v) {
    if (!out.empty()) out += ' ';
    out += k;
    out += '=';
    out += libpq_value(v);
  };
  if (!host.empty()) add("host", host);
  if (port) add("port", std::to_string(*port));
  add("dbname", database);
  if (!user.empty()) add("user", user);
  if (!password.empty()) add("password", password);
  if (connect_timeout) add("connect_timeout", std::to_string(connect_timeout->count()));
  for (const auto& [k, v] : parameters) add(k, v);
  return out;
}

std::optional<database_url> database_url_from_env(
    const std::function<const char*(const char*)>& getenv) {
  const auto get = [&](const char* name) -> std::optional<std::string> {
    const char* v = getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
  if (auto url = get("DB_URL")) return database_url::parse(*url);

  auto host = get("DB_HOST");
  auto port = get("DB_PORT");
  auto user = get("DB_USER");
  auto password = get("DB_PASSWORD");
  auto name = get("DB_NAME");
  if (!host && !port && !user && !password && !name) return std::nullopt;
  if (!host) throw error(errc::config, "DB_HOST is required when DB_PORT/DB_USER/DB_NAME are set");
  if (!name) throw error(errc::config, "DB_NAME is required when DB_HOST is set");

  database_url url;
  url.kind = backend::postgresql;
  url.host = *host;
  if (port) {
    const auto p = parse_int(*port);
    if (!p || *p < 1 || *p > 65535) {
      throw error(errc::config, fmt::format("DB_PORT '{}' is not a port (1-65535)", *port));
    }
    url.port = static_cast<std::uint16_t>(*p);
  }
  url.user = user.value_or("");
  url.password = password.value_or("");
  url.database = *name;
  return url;
}

}  // namespace ferry::sql
