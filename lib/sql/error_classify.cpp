// The tables behind sql/error_classify.hpp: which ferry::errc a SQLite result code, a
// PostgreSQL SQLSTATE or a failed connect's message maps to. Kept apart from the SOCI-facing
// error_translation.cpp so these pure functions compile without SOCI (the unit tests build this
// file into their own binary when ferry's libraries are shared, see tests/unit/CMakeLists.txt).
#include "sql/error_classify.hpp"

#include <sqlite3.h>

namespace ferry::sql::detail {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

// A failed connect reaches us as a plain soci_error carrying libpq's message.
errc classify_connect_message(std::string_view msg) noexcept {
  if (contains(msg, "authentication failed") || contains(msg, "no password supplied")) {
    return errc::auth_failed;
  }
  if (contains(msg, "does not exist")) return errc::not_found;  // database "x" does not exist
  return errc::connection_failed;
}

errc classify_sqlite(int result, bool deadline_fired) noexcept {
  switch (result & 0xff) {  // extended codes keep the primary code in their low byte
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return errc::busy;
    case SQLITE_INTERRUPT: return deadline_fired ? errc::timeout : errc::closed;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return errc::io_error;
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return errc::decode_error;
    default: return errc::server_error;  // SQLITE_ERROR (SQL errors), SQLITE_CONSTRAINT, ...
  }
}

errc classify_sqlstate(std::string_view state) noexcept {
  if (state == "57014") return errc::timeout;  // query_canceled: statement_timeout fired
  if (state == "55P03" || state == "40001" || state == "40P01" || state == "57P03") {
    return errc::busy;  // lock_not_available, serialization_failure, deadlock, cannot_connect_now
  }
  const auto cls = state.substr(0, 2);
  if (cls == "08" || state == "57P01" || state == "57P02") return errc::connection_failed;
  if (cls == "28") return errc::auth_failed;
  if (cls == "53") return errc::busy;  // insufficient resources (too many connections, ...)
  return errc::server_error;           // 23xxx constraint violations, 42xxx SQL errors, ...
}

}  // namespace ferry::sql::detail
