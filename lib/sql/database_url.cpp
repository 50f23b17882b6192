#include "ferry/sql/database_url.hpp"

#include "ferry/core/url.hpp"
#include "ferry/core/url_encoding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "ferry/core/error.hpp"

namespace ferry::sql {
namespace {

constexpr std::string_view url_kind = "database";

[[noreturn]] void fail(std::string_view input, std::string_view problem) {
  throw_url_error(url_kind, input, problem);
}

std::string decode(std::string_view in, std::string_view input, std::string_view what) {
  auto decoded = percent_decode(in);
  if (!decoded) fail(input, fmt::format("bad %-escape in {}", what));
  return std::move(*decoded);
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

database_url parse_postgresql(std::string_view input) {
  database_url url;
  url.kind = backend::postgresql;
  const auto parts = split_url(input, url_kind);
  if (parts.user) url.user = decode(*parts.user, input, "user");
  if (parts.password) url.password = decode(*parts.password, input, "password");
  // libpq reads a host starting with '/' as a Unix socket directory: %2Fvar%2Frun%2Fpostgresql.
  url.host = decode(parts.host, input, "host");
  // A ':' in a host means an IPv6 address, which only brackets hold (and split_url checks);
  // decoded from %3A it would be written back in brackets as something else.
  if (parts.host.find(':') == std::string_view::npos && url.host.find(':') != std::string::npos) {
    fail(input, "a ':' in the host is allowed only in an IPv6 address in brackets");
  }
  url.port = parts.port;
  const auto path = parts.path.empty() ? parts.path : parts.path.substr(1);
  std::string_view query = parts.query;
  if (path.find('/') != std::string_view::npos) {
    fail(input, "database name contains '/' (write it as %2F)");
  }
  url.database = decode(path, input, "database name");
  if (url.database.empty()) fail(input, "missing database name (postgresql://host/NAME)");

  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) fail(input, fmt::format("parameter '{}' has no value", item));
    const auto key = item.substr(0, eq);
    auto val = decode(item.substr(eq + 1), input, "parameter value");
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
  return redact_urls_in(text);
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
  const auto scheme = url_scheme(input);
  if (scheme == "postgresql" || scheme == "postgres") return parse_postgresql(input);
  if (scheme) {
    fail(input, fmt::format("unsupported scheme '{}' (expected sqlite or postgresql)", *scheme));
  }
  if (starts_with(input, "postgresql:") || starts_with(input, "postgres:"))
    fail(input, "expected postgresql://[user[:password]@]host[:port]/name");
  if (starts_with(input, "sqlite:"))
    fail(input, "expected sqlite:///abs/path, sqlite://rel/path or sqlite::memory:");
  return sqlite_path(input, input);  // a bare file path
}

std::string database_url::to_string() const {
  if (kind == backend::sqlite) {
    if (path == ":memory:") return "sqlite::memory:";
    return "sqlite://" + path;
  }
  std::string out = "postgresql://" + redacted_userinfo(percent_encode(user), !password.empty());
  // IPv6 in brackets, a zone id's '%' as %25; anything else (a socket directory) encoded.
  out += host.find(':') != std::string::npos ? "[" + percent_encode(host, ":") + "]"
                                             : percent_encode(host);
  if (port) out += fmt::format(":{}", *port);
  out += '/';
  out += percent_encode(database);
  char sep = '?';
  if (connect_timeout) {
    out += fmt::format("{}connect_timeout={}", sep, connect_timeout->count());
    sep = '&';
  }
  for (const auto& [k, v] : parameters) {
    // sslpassword (the client key's passphrase) is as secret as the password.
    out +=
        fmt::format("{}{}={}", sep, k, k == "sslpassword" ? redacted_password : percent_encode(v));
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

std::optional<std::string> database_url_text_from_env(
    const std::function<const char*(const char*)>& getenv) {
  return database_url_text_from_env([&](const std::string& name) -> std::optional<std::string> {
    const char* v = getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  });
}

std::optional<std::string> database_url_text_from_env(const env_lookup& env) {
  const auto get = [&](const char* name) -> std::optional<std::string> {
    auto v = env(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  };
  if (auto url = get("DATABASE_URL")) return url;
  if (auto url = get("DB_URL")) return url;

  auto host = get("DB_HOST");
  auto port = get("DB_PORT");
  auto user = get("DB_USER");
  auto password = get("DB_PASSWORD");
  auto name = get("DB_NAME");
  if (!host && !port && !user && !password && !name) return std::nullopt;
  if (!host) {
    throw error(errc::config,
                "DB_HOST is required when DB_PORT/DB_USER/DB_PASSWORD/DB_NAME are set");
  }
  if (!name) throw error(errc::config, "DB_NAME is required when DB_HOST is set");
  if (port) {
    const auto p = parse_int(*port);
    if (!p || *p < 1 || *p > 65535) {
      throw error(errc::config, fmt::format("DB_PORT '{}' is not a port (1-65535)", *port));
    }
  }
  // Percent-encoded, so any user, password or name survives the parse.
  std::string url = "postgresql://";
  if (user || password) {
    url += percent_encode(user.value_or(""));
    if (password) url += ':' + percent_encode(*password);
    url += '@';
  }
  url += host->find(':') != std::string::npos ? '[' + *host + ']' : percent_encode(*host);
  if (port) url += ':' + *port;
  url += '/' + percent_encode(*name);
  return url;
}

std::optional<database_url> database_url_from_env(
    const std::function<const char*(const char*)>& getenv) {
  auto text = database_url_text_from_env(getenv);
  if (!text) return std::nullopt;
  return database_url::parse(*text);
}

std::optional<database_url> database_url_from_env(const env_lookup& env) {
  auto text = database_url_text_from_env(env);
  if (!text) return std::nullopt;
  return database_url::parse(*text);
}

std::optional<database_url> database_url_from_env() {
  return database_url_from_env([](const char* name) { return std::getenv(name); });
}

std::optional<std::string> database_url_text_from_env() {
  return database_url_text_from_env([](const char* name) { return std::getenv(name); });
}

}  // namespace ferry::sql
