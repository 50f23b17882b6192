// ferry/sql/database_url.hpp — where a database lives: parsed from a URL or from the
// environment (DATABASE_URL, DB_URL or DB_*; see database_url_from_env).
//
// Accepted forms (everything else is an `errc::config` error that names the problem):
//
//   sqlite:///var/lib/mail/mail.db      absolute path (three slashes)
//   sqlite://mail.db                    path relative to the working directory
//   sqlite::memory:                     a private in-memory database (one per session!)
//   /var/lib/mail/mail.db, mail.db      a bare file path means SQLite
//   postgresql://user:pass@host:5432/db?connect_timeout=5&sslmode=require
//                                       (`postgres://` too; user, password and database name
//                                       are percent-decoded; query keys are libpq keywords)
//
// The password never appears in `to_string()` nor in any error message: both print `***`
// (so does `sslpassword`). ferry/url.hpp says where an unencoded password ends.
//
//   auto url = ferry::sql::database_url::parse("sqlite:///tmp/x.db");
//   auto env = ferry::sql::database_url_from_env();   // DATABASE_URL, DB_URL or DB_*
//
// Thread safety: value type; thread-compatible.
// Errors: `ferry::error(errc::config)` for malformed input.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/export.hpp"

namespace ferry::sql {

/// The database engines ferry::sql can open.
enum class backend { sqlite, postgresql };

/// A parsed database location. Fields not meaningful for `kind` are empty.
struct FERRY_API database_url {
  backend kind = backend::sqlite;

  /// SQLite: the file path, or ":memory:".
  std::string path{};

  /// PostgreSQL: empty host means libpq's default (the local Unix socket).
  std::string host{};
  std::optional<std::uint16_t> port{};
  std::string user{};
  std::string password{};
  std::string database{};
  /// libpq `connect_timeout`; when absent, `session_options::connect_timeout` applies.
  std::optional<std::chrono::seconds> connect_timeout{};
  /// Further libpq keywords from the query string (sslmode, application_name, ...), in order.
  std::vector<std::pair<std::string, std::string>> parameters{};

  /// Parses one of the forms in the file comment.
  [[nodiscard]] static database_url parse(std::string_view url);

  /// A URL that parses back to this value, with the password replaced by `***`.
  [[nodiscard]] std::string to_string() const;

  /// The libpq keyword/value connection string SOCI's PostgreSQL backend expects. Contains the
  /// password in clear text: never log it. Throws `std::invalid_argument` for SQLite URLs.
  [[nodiscard]] std::string postgresql_connection_string() const;
};

/// The names every ferry app reads its database from, first match wins:
///   DATABASE_URL   a URL in one of the forms above (the name Heroku, Rails and SQLAlchemy use)
///   DB_URL         the same, under the shorter name
///   DB_HOST (required), DB_PORT, DB_USER, DB_PASSWORD, DB_NAME (required): a PostgreSQL
///                  server, as postgresql://DB_USER:DB_PASSWORD@DB_HOST:DB_PORT/DB_NAME
/// `getenv` returns nullptr for an unset variable; an empty value counts as unset. Returns
/// nullopt when none is set, so the caller can fall back to its default (usually a SQLite file).
/// Errors: `errc::config` for DB_* that do not make a URL (never quoting DB_PASSWORD), and
/// database_url::parse()'s errors.
[[nodiscard]] FERRY_API std::optional<database_url> database_url_from_env(
    const std::function<const char*(const char*)>& getenv);

/// database_url_from_env() on the process environment (std::getenv).
[[nodiscard]] FERRY_API std::optional<database_url> database_url_from_env();

/// A variable's value, or nullopt when unset: the shape of ferry::service::env_lookup, so an
/// app's environment (or a test's map) serves the overloads below as it serves env_reader.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// database_url_from_env() reading through `env`.
[[nodiscard]] FERRY_API std::optional<database_url> database_url_from_env(const env_lookup& env);

/// database_url_from_env() before parsing: the URL text, with DB_* percent-encoded into a
/// postgresql:// URL. For callers that accept more than database URLs (a test directory, say).
/// The text holds the password in clear: never print it (redact_url() does).
[[nodiscard]] FERRY_API std::optional<std::string> database_url_text_from_env(
    const std::function<const char*(const char*)>& getenv);

/// database_url_text_from_env() reading through `env`.
[[nodiscard]] FERRY_API std::optional<std::string> database_url_text_from_env(
    const env_lookup& env);

/// database_url_text_from_env() on the process environment (std::getenv).
[[nodiscard]] FERRY_API std::optional<std::string> database_url_text_from_env();

/// Deprecated: ferry::redact_urls_in (ferry/url.hpp) does the same — every
/// `scheme://user:password@` in `text` with its password as `***`.
[[deprecated("use ferry::redact_urls_in (ferry/url.hpp)")]] [[nodiscard]] FERRY_API std::string
redact_url(std::string_view text);

}  // namespace ferry::sql
