// ferry/sql/session.hpp — one open database connection (SQLite or PostgreSQL) over SOCI.
//
// A `session` owns one connection and runs parameterised SQL with a small typed API; it does
// not try to be a query builder. Placeholders are `:name` (bound by position, in order of
// appearance), which both engines accept through SOCI.
//
//   ferry::sql::session db(ferry::sql::database_url::parse("sqlite:///var/lib/mail/mail.db"));
//   db.exec("INSERT INTO t(name, n) VALUES (:name, :n)", "x", 3);
//   auto n = db.query_value<std::int64_t>("SELECT n FROM t WHERE name = :name", "x");  // optional
//   for (auto [name, n] : db.query<std::string, std::int64_t>("SELECT name, n FROM t")) { ... }
//
// Opening configures the engine for a multi-process deployment: SQLite gets WAL journaling,
// `foreign_keys=ON`, a busy timeout and a progress-handler deadline; PostgreSQL gets libpq's
// `connect_timeout` and the server's `statement_timeout`. So a locked or slow database fails
// with `errc::busy`/`errc::timeout` within `query_timeout` instead of hanging.
//
// Thread safety: one per thread (move it, do not share it); use `sql::pool` to share.
// A moved-from session only accepts destruction and assignment; other calls throw errc::closed.
// Errors: every failure is a `ferry::error`; no SOCI, SQLite or libpq exception escapes.
//   busy/locked database, serialization failures → errc::busy (transient)
//   cannot connect, connection lost              → errc::connection_failed (transient)
//   query_timeout exceeded                       → errc::timeout (transient)
//   constraint violation, SQL error              → errc::server_error (message from the engine)
//   rejected credentials                         → errc::auth_failed
//   SQLite file cannot be opened/written         → errc::io_error
//   column not convertible to the requested type → errc::decode_error
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/sql/database_url.hpp"
#include "ferry/sql/value.hpp"

namespace ferry::sql {

/// How a session is opened. Every field has a working default.
struct session_options {
  /// Bound for one statement, including time spent waiting for locks. nullopt = unbounded.
  /// SQLite: busy timeout + progress-handler deadline. PostgreSQL: `statement_timeout`.
  std::optional<std::chrono::milliseconds> query_timeout = std::chrono::seconds(5);
  /// PostgreSQL `connect_timeout` (rounded up to whole seconds) unless the URL sets one.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  /// SQLite: use write-ahead logging so readers never block the writer (ignored for :memory:).
  bool sqlite_wal = true;
  /// SQLite: enforce FOREIGN KEY constraints (PostgreSQL always does).
  bool foreign_keys = true;
};

class transaction;

namespace detail {
struct session_state;  // lib/sql/session_impl.hpp
}  // namespace detail

/// An open connection. See the file comment.
class FERRY_API session {
 public:
  /// Connects; throws on failure (see Errors in the file comment).
  explicit session(const database_url& url, session_options options = {});
  session(session&&) noexcept;
  session& operator=(session&&) noexcept;
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session();

  /// The engine behind this session.
  [[nodiscard]] backend kind() const;

  /// False once the connection was found broken (a connection_failed error); a pool drops it.
  [[nodiscard]] bool healthy() const noexcept;

  /// Runs one statement; returns the rows an INSERT, UPDATE or DELETE changed (meaningless
  /// for other statements).
  template <class... P>
  std::uint64_t exec(std::string_view sql, P&&... params) {
    return exec_values(sql, {to_value(std::forward<P>(params))...});
  }

  /// Runs a query; one tuple per row.
  template <class... T, class... P>
  [[nodiscard]] std::vector<std::tuple<T...>> query(std::string_view sql, P&&... params) {
    static constexpr column_type types[] = {value_traits<T>::column...};
    auto rows = query_values(sql, {to_value(std::forward<P>(params))...}, types, false);
    std::vector<std::tuple<T...>> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(convert<T...>(r, std::index_sequence_for<T...>{}));
    return out;
  }

  /// Runs a query and returns its first row; nullopt when it returned none.
  template <class... T, class... P>
  [[nodiscard]] std::optional<std::tuple<T...>> query_one(std::string_view sql, P&&... params) {
    static constexpr column_type types[] = {value_traits<T>::column...};
    auto rows = query_values(sql, {to_value(std::forward<P>(params))...}, types, true);
    if (rows.empty()) return std::nullopt;
    return convert<T...>(rows.front(), std::index_sequence_for<T...>{});
  }

  /// `query_one` for a single column. nullopt when no row (a NULL needs `T = optional<U>`).
  template <class T, class... P>
  [[nodiscard]] std::optional<T> query_value(std::string_view sql, P&&... params) {
    auto r = query_one<T>(sql, std::forward<P>(params)...);
    if (!r) return std::nullopt;
    return std::get<0>(std::move(*r));
  }

  /// Runs several `;`-separated statements without parameters (schema scripts). Splits outside
  /// quotes and `--` comments; statement bodies must not contain `;` otherwise.
  void exec_script(std::string_view script);

  /// Untyped core of `exec`.
  std::uint64_t exec_values(std::string_view sql, const std::vector<value>& params);

  /// Untyped core of `query`: fetches each column as `columns[i]`; stops after one row when
  /// `first_only`.
  [[nodiscard]] std::vector<row> query_values(std::string_view sql,
                                              const std::vector<value>& params,
                                              std::span<const column_type> columns,
                                              bool first_only = false);

  /// True between a transaction's begin and its commit/rollback.
  [[nodiscard]] bool in_transaction() const noexcept;

 private:
  friend class transaction;

  template <class... T, std::size_t... I>
  static std::tuple<T...> convert(const row& r, std::index_sequence<I...>) {
    return std::tuple<T...>{value_traits<T>::from_value(r[I])...};
  }

  void begin();
  void commit();
  void rollback() noexcept;

  std::unique_ptr<detail::session_state> impl_;
};

/// Scoped transaction: begins in the constructor, rolls back in the destructor unless
/// `commit()` ran. SQLite transactions start with `BEGIN IMMEDIATE`, taking the write lock
/// up front so two writers queue on the busy timeout instead of failing halfway.
///
///   {
///     ferry::sql::transaction tx(db);
///     db.exec("UPDATE ...");
///     db.exec("INSERT ...");
///     tx.commit();  // an exception before this line undoes both statements
///   }
///
/// Thread safety: used on the session's thread only.
/// Errors: as `session`; beginning a second one on the same session is std::invalid_argument.
class FERRY_API transaction {
 public:
  explicit transaction(session& s);
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  /// Makes the changes durable. Throws if the commit fails (the transaction is then over).
  void commit();

 private:
  session* session_;
  bool done_ = false;
};

}  // namespace ferry::sql
