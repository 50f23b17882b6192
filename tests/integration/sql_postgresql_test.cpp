// ferry::sql against a real PostgreSQL server: timeouts, locks, auth and lost connections.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>

#include <ferry/core/error.hpp>
#include <ferry/sql/pool.hpp>
#include <ferry/sql/session.hpp>

#include "postgresql_server.hpp"

using namespace std::chrono_literals;
using ferry::errc;
using ferry::sql::session;

namespace {

ferry::errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ferry::error& e) {
    INFO(e.what());
    return e.kind();
  }
  FAIL("no ferry::error thrown");
  return errc::closed;
}

}  // namespace

TEST_CASE("PostgreSQL: typed exec and query round-trip", "[sql][postgresql]") {
  session db(ferry::test::shared_postgresql().url());
  CHECK(db.kind() == ferry::sql::backend::postgresql);
  db.exec("CREATE TEMP TABLE t (name TEXT, n BIGINT, r DOUBLE PRECISION, flag BOOLEAN)");
  CHECK(db.exec("INSERT INTO t VALUES (:a, :b, :c, :d)", "x", 5, 0.5, true) == 1);
  auto row = db.query_one<std::string, std::int64_t, double, bool>(
      "SELECT name, n, r, CAST(flag AS INTEGER) FROM t");
  REQUIRE(row);
  CHECK(*row == std::tuple<std::string, std::int64_t, double, bool>{"x", 5, 0.5, true});
  CHECK(db.query_value<std::optional<std::string>>("SELECT NULL::text") ==
        std::optional<std::optional<std::string>>(std::optional<std::string>{}));
}

TEST_CASE("PostgreSQL: statement_timeout bounds slow queries and lock waits", "[sql][postgresql]") {
  auto& server = ferry::test::shared_postgresql();
  session slow(server.url(), {.query_timeout = 200ms});
  const auto start = std::chrono::steady_clock::now();
  CHECK(code_of([&] { slow.exec("SELECT pg_sleep(5)"); }) == errc::timeout);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(slow.healthy());

  const auto url = server.create_database("locks");
  session a(url);
  session b(url, {.query_timeout = 200ms});
  a.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)");
  a.exec("INSERT INTO t VALUES (1, 0)");
  {
    ferry::sql::transaction tx(a);
    a.exec("UPDATE t SET n = 1 WHERE id = 1");
    const auto t0 = std::chrono::steady_clock::now();
    const auto code = code_of([&] { b.exec("UPDATE t SET n = 2 WHERE id = 1"); });
    CHECK((code == errc::timeout || code == errc::busy));
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  }
  CHECK(code_of([&] { b.exec("INSERT INTO t VALUES (1, 5)"); }) == errc::server_error);
  server.drop_database("locks");
}

TEST_CASE("PostgreSQL: bad credentials and unknown databases", "[sql][postgresql]") {
  auto url = ferry::test::shared_postgresql().url();
  url.password = "wrong";
  try {
    session s(url);
    FAIL("wrong password accepted");
  } catch (const ferry::error& e) {
    CHECK(e.code() == errc::auth_failed);
    CHECK_THAT(std::string(e.what()), !Catch::Contains("wrong"));
  }
  CHECK(code_of([&] { session s(ferry::test::shared_postgresql().url("no_such_db")); }) ==
        errc::not_found);
}

TEST_CASE("PostgreSQL: a killed server is connection_failed; the pool drops the session",
          "[sql][postgresql][fault]") {
  auto& server = ferry::test::shared_postgresql();
  ferry::sql::pool pool(server.url(), {.size = 1, .acquire_timeout = 1s});
  CHECK(pool.acquire()->query_value<int>("SELECT 1") == 1);
  server.kill();
  {
    auto s = pool.acquire();
    const auto code = code_of([&] { (void)s->query_value<int>("SELECT 1"); });
    CHECK(code == errc::connection_failed);
    CHECK_FALSE(s->healthy());
  }
  CHECK(pool.open_count() == 0);
  server.start();
  CHECK(pool.acquire()->query_value<int>("SELECT 2") == 2);
}
