// Private: the state behind ferry::sql::session, and the translation of SOCI/SQLite/libpq
// exceptions into ferry::error.
#pragma once

#include <libpq-fe.h>
// Debian's SOCI is built with SOCI_HAVE_BOOST, which only enables header-only Boost.Fusion
// sugar in bind-values.h (no ABI effect). ferry does not use it, so switch it off rather than
// require the Boost headers.
#include <soci/soci-config.h>
#undef SOCI_HAVE_BOOST
#undef SOCI_HAVE_BOOST_DATE_TIME
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <string_view>

#include "ferry/error.hpp"
#include "ferry/sql/session.hpp"
#include "sql/error_classify.hpp"

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

  sqlite_api::sqlite3* sqlite_db = nullptr;  // owned by `sql`
  PGconn* pg_conn = nullptr;                 // owned by `sql`
};

/// Called inside a catch block: rethrows the current exception as a ferry::error.
/// `what` names the operation, `sql` the statement (abbreviated in the message).
[[noreturn]] void rethrow_as_ferry_error(detail::session_state& s, std::string_view what,
                                         std::string_view sql);

}  // namespace detail
}  // namespace ferry::sql
