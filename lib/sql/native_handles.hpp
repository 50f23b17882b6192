// Private: SOCI's SQLite and PostgreSQL backends, and the sqlite3* / PGconn* they hold, the same
// way on SOCI 4.0 and 4.1. The rest of lib/sql names SQLite's C API as plain ::sqlite3,
// ::sqlite3_exec, SQLITE_OK, ... and reaches SOCI's connections only through these functions.
//
// Why this file exists: SOCI 4.0's soci-sqlite3.h includes <sqlite3.h> inside
// `namespace sqlite_api`, so the C API is declared there and sqlite3.h's include guard keeps
// a later global #include empty. SOCI 4.1's header no longer includes <sqlite3.h>: it only
// forward-declares `sqlite_api::sqlite3`, a type unrelated to the real ::sqlite3, and its
// sqlite3_soci_error reads the error from the connection instead of taking a result code.
// SOCI 4.1's soci-postgresql.h forward-declares PGconn itself; libpq-fe.h is included first
// here, which both versions accept.
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
#include <soci/version.h>

#include <string>

#if SOCI_VERSION >= 400100  // 4.1.0
#include <sqlite3.h>
#define FERRY_SOCI_SQLITE_API_IS_GLOBAL 1
#else
// SOCI 4.0 declared SQLite's API inside sqlite_api; let ::sqlite3 and friends find it there.
// Only lib/sql includes this header, and only when built against SOCI 4.0.
using namespace sqlite_api;  // NOLINT(google-global-names-in-headers)
#define FERRY_SOCI_SQLITE_API_IS_GLOBAL 0
#endif

namespace ferry::sql::detail {

// SOCI's backend classes are not exported with type information, so UBSan's vptr check on
// these downcasts would need a symbol the shared library hides. The backend was chosen by us
// when opening, so the casts are known to be right.

/// The connection SOCI's SQLite backend opened for `s` (owned by `s`).
__attribute__((no_sanitize("vptr"))) inline ::sqlite3* sqlite_handle(soci::session& s) {
  auto* conn = static_cast<soci::sqlite3_session_backend*>(s.get_backend())->conn_;
#if FERRY_SOCI_SQLITE_API_IS_GLOBAL
  // SOCI 4.1 compiles its own sources with the real sqlite3.h inside sqlite_api, so conn_
  // points at a real sqlite3 object; only the C++ type names differ.
  return reinterpret_cast<::sqlite3*>(conn);
#else
  return conn;
#endif
}

/// The connection SOCI's PostgreSQL backend opened for `s` (owned by `s`).
__attribute__((no_sanitize("vptr"))) inline PGconn* postgresql_handle(soci::session& s) {
  return static_cast<soci::postgresql_session_backend*>(s.get_backend())->conn_;
}

/// Throws the soci::sqlite3_soci_error SOCI itself would throw after a failed call on `db`
/// that returned `result`, with the message "<context>: <message>"; rethrow_as_ferry_error()
/// then translates it like any other SQLite error.
[[noreturn]] inline void throw_sqlite_error(::sqlite3* db, int result, const std::string& context,
                                            const std::string& message) {
#if FERRY_SOCI_SQLITE_API_IS_GLOBAL
  // 4.1 takes the result code from the connection, which still holds the failed call's.
  static_cast<void>(result);
  throw soci::sqlite3_soci_error(reinterpret_cast<sqlite_api::sqlite3*>(db), context,
                                 message.c_str());
#else
  static_cast<void>(db);
  throw soci::sqlite3_soci_error(context + ": " + message, result);
#endif
}

}  // namespace ferry::sql::detail
