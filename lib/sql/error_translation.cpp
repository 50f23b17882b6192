#include <fmt/format.h>

#include <new>
#include <stdexcept>

#include "ferry/error.hpp"
#include "sql/session_impl.hpp"

namespace ferry::sql::detail {
namespace {

std::string abbreviate(std::string_view sql) {
  constexpr std::size_t limit = 120;
  std::string out;
  for (const char c : sql.substr(0, limit)) out += (c == '\n' || c == '\t') ? ' ' : c;
  if (sql.size() > limit) out += "...";
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

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

void rethrow_as_ferry_error(detail::session_state& s, std::string_view what, std::string_view sql) {
  errc code = errc::server_error;
  std::string message;
  try {
    throw;
  } catch (const ferry::error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const soci::sqlite3_soci_error& e) {
    code = classify_sqlite(e.result(), s.deadline_fired);
    message = e.get_error_message();
    if (code == errc::timeout) message += " (query_timeout exceeded)";
  } catch (const soci::postgresql_soci_error& e) {
    code = classify_sqlstate(e.sqlstate());
    message = fmt::format("{} (SQLSTATE {})", trim(e.get_error_message()), e.sqlstate());
  } catch (const soci::soci_error& e) {
    message = trim(e.get_error_message());
    if (what == "connect") {
      code = classify_connect_message(message);
    } else if (contains(message, "onvert") || contains(message, "Null value")) {
      code = errc::decode_error;
    } else if (e.get_error_category() == soci::soci_error::connection_error) {
      code = errc::connection_failed;
    } else if (e.get_error_category() == soci::soci_error::constraint_violation) {
      code = errc::server_error;
    }
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown exception";
  }
  // libpq reports a dropped server through the connection state, whatever the SQLSTATE says.
  if (s.pg_conn != nullptr && PQstatus(s.pg_conn) == CONNECTION_BAD) code = errc::connection_failed;
  if (code == errc::connection_failed) s.healthy = false;
  if (sql.empty()) throw error(code, fmt::format("sql {}: {}", what, message));
  throw error(code, fmt::format("sql {}: {} [{}]", what, message, abbreviate(sql)));
}

}  // namespace ferry::sql::detail
