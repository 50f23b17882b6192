#include <catch2/catch.hpp>

#include "ferry/core/error.hpp"
#include "sql/error_classify.hpp"

using ferry::errc;
using namespace ferry::sql::detail;

// Result codes from sqlite3.h (stable across SQLite versions).
constexpr int sqlite_error = 1, sqlite_busy = 5, sqlite_locked = 6, sqlite_readonly = 8,
              sqlite_interrupt = 9, sqlite_ioerr = 10, sqlite_cantopen = 14, sqlite_constraint = 19,
              sqlite_notadb = 26;
constexpr int sqlite_busy_snapshot = sqlite_busy | (2 << 8);
constexpr int sqlite_constraint_unique = sqlite_constraint | (8 << 8);

TEST_CASE("SQLite result codes map to ferry codes", "[sql][errors]") {
  CHECK(classify_sqlite(sqlite_busy, false) == errc::busy);
  CHECK(classify_sqlite(sqlite_busy_snapshot, false) == errc::busy);
  CHECK(classify_sqlite(sqlite_locked, false) == errc::busy);
  CHECK(classify_sqlite(sqlite_interrupt, true) == errc::timeout);
  CHECK(classify_sqlite(sqlite_interrupt, false) == errc::closed);
  CHECK(classify_sqlite(sqlite_constraint_unique, false) == errc::server_error);
  CHECK(classify_sqlite(sqlite_error, false) == errc::server_error);
  CHECK(classify_sqlite(sqlite_cantopen, false) == errc::io_error);
  CHECK(classify_sqlite(sqlite_ioerr, false) == errc::io_error);
  CHECK(classify_sqlite(sqlite_readonly, false) == errc::io_error);
  CHECK(classify_sqlite(sqlite_notadb, false) == errc::io_error);
  CHECK(ferry::is_transient(classify_sqlite(sqlite_busy, false)));
}

TEST_CASE("PostgreSQL SQLSTATEs map to ferry codes", "[sql][errors]") {
  CHECK(classify_sqlstate("57014") == errc::timeout);            // query_canceled
  CHECK(classify_sqlstate("55P03") == errc::busy);               // lock_not_available
  CHECK(classify_sqlstate("40001") == errc::busy);               // serialization_failure
  CHECK(classify_sqlstate("40P01") == errc::busy);               // deadlock_detected
  CHECK(classify_sqlstate("53300") == errc::busy);               // too_many_connections
  CHECK(classify_sqlstate("08006") == errc::connection_failed);  // connection_failure
  CHECK(classify_sqlstate("57P01") == errc::connection_failed);  // admin_shutdown
  CHECK(classify_sqlstate("28P01") == errc::auth_failed);        // invalid_password
  CHECK(classify_sqlstate("23505") == errc::server_error);       // unique_violation
  CHECK(classify_sqlstate("42P01") == errc::server_error);       // undefined_table
  CHECK(classify_sqlstate("") == errc::server_error);
}

TEST_CASE("libpq connect failures map to ferry codes", "[sql][errors]") {
  CHECK(classify_connect_message("FATAL:  password authentication failed for user \"x\"") ==
        errc::auth_failed);
  CHECK(classify_connect_message("FATAL:  database \"nope\" does not exist") == errc::not_found);
  CHECK(classify_connect_message("connection to server at \"127.0.0.1\", port 1 failed: "
                                 "Connection refused") == errc::connection_failed);
}
