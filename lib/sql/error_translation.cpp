#include <fmt/format.h>

#include <new>
#include <stdexcept>

#include "ferry/core/error.hpp"
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

void rethrow_as_ferry_error(detail::session_state& s, std::string_view what, std::string_view sql,
                            std::string_view target) {
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
  if (!target.empty()) throw error(code, fmt::format("sql {} to {}: {}", what, target, message));
  if (sql.empty()) throw error(code, fmt::format("sql {}: {}", what, message));
  throw error(code, fmt::format("sql {}: {} [{}]", what, message, abbreviate(sql)));
}

}  // namespace ferry::sql::detail
