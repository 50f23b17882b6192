// Private: the state behind ferry::sql::session, and the translation of SOCI/SQLite/libpq
// exceptions into ferry::error.
#pragma once

#include <chrono>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/sql/session.hpp"
#include "sql/error_classify.hpp"
#include "sql/native_handles.hpp"

namespace ferry::sql {

namespace detail {

struct session_state {
  backend kind = backend::sqlite;
  session_options options;
  soci::session sql;
  bool healthy = true;
  bool in_transaction = false;

  // SQLite query deadline, checked by the progress handler while a statement runs.
  bool deadline_armed = false;
  bool deadline_fired = false;
  std::chrono::steady_clock::time_point deadline;

  ::sqlite3* sqlite_db = nullptr;  // owned by `sql`
  PGconn* pg_conn = nullptr;       // owned by `sql`
};

/// Called inside a catch block: rethrows the current exception as a ferry::error.
/// `what` names the operation, `sql` the statement (abbreviated in the message), `target` the
/// database (a redacted URL: "unable to open database file" alone does not say which file).
[[noreturn]] void rethrow_as_ferry_error(detail::session_state& s, std::string_view what,
                                         std::string_view sql, std::string_view target = {});

}  // namespace detail
}  // namespace ferry::sql
