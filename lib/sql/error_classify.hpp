// Private: which ferry::errc an engine's error code maps to. Pure functions, no SOCI, so the
// table is unit-tested without a server (tests/unit/sql_error_test.cpp).
#pragma once

#include <string_view>

#include "ferry/core/error.hpp"

namespace ferry::sql::detail {

/// The ferry code for a SQLite result code (primary or extended). SQLITE_INTERRUPT is a
/// timeout when our deadline fired, otherwise `closed` (someone called sqlite3_interrupt).
[[nodiscard]] errc classify_sqlite(int result, bool deadline_fired) noexcept;

/// The ferry code for a PostgreSQL SQLSTATE (five characters).
[[nodiscard]] errc classify_sqlstate(std::string_view sqlstate) noexcept;

/// The ferry code for libpq's message when a connection attempt fails.
[[nodiscard]] errc classify_connect_message(std::string_view message) noexcept;

}  // namespace ferry::sql::detail
