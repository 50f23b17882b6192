#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/sql/pool.hpp"
#include "ferry/sql/session.hpp"
#include "sql_test_dir.hpp"

using namespace std::chrono_literals;
using ferry::errc;
using ferry::sql::database_url;
using ferry::sql::session;

namespace {

errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ferry::error& e) {
    return e.kind();
  }
  FAIL("no ferry::error thrown");
  return errc::closed;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ferry::error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("session binds and reads integers, reals, text and NULL", "[sql][session]") {
  session db(database_url::parse("sqlite::memory:"));
  CHECK(db.kind() == ferry::sql::backend::sqlite);
  db.exec("CREATE TABLE t (name TEXT PRIMARY KEY, n INTEGER, r REAL, note TEXT, flag BOOLEAN)");
  CHECK(db.exec("INSERT INTO t VALUES (:name, :n, :r, :note, :flag)", "a", 1, 1.5,
                std::optional<std::string>{}, true) == 1);
  CHECK(db.exec("INSERT INTO t VALUES (:name, :n, :r, :note, :flag)", std::string("b"),
                std::int64_t{-7}, 2.0, std::string_view("x;y"), false) == 1);

  auto rows = db.query<std::string, std::int64_t, double, std::optional<std::string>, bool>(
      "SELECT name, n, r, note, CAST(flag AS INTEGER) FROM t ORDER BY name");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::tuple<std::string, std::int64_t, double, std::optional<std::string>, bool>{
                       "a", 1, 1.5, std::nullopt, true});
  CHECK(std::get<3>(rows[1]) == "x;y");
  CHECK_FALSE(std::get<4>(rows[1]));

  CHECK(db.query_value<int>("SELECT n FROM t WHERE name = :n", "b") == -7);
  CHECK_FALSE(db.query_value<int>("SELECT n FROM t WHERE name = :n", "zzz"));
  CHECK(db.query_value<std::int64_t>("SELECT count(*) FROM t") == 2);
  CHECK(db.exec("UPDATE t SET n = n + 1") == 2);

  // NULL into a non-optional type is a decode error, not a crash or a zero.
  CHECK(code_of([&] { (void)db.query_value<std::string>("SELECT note FROM t WHERE name='a'"); }) ==
        errc::decode_error);
}

TEST_CASE("SQLite sessions open with WAL and foreign keys", "[sql][session]") {
  ferry::test::scratch_dir dir;
  session db(database_url::parse(dir.file("wal.db")));
  CHECK(db.query_value<std::string>("PRAGMA journal_mode") == "wal");
  CHECK(db.query_value<int>("PRAGMA foreign_keys") == 1);
  db.exec_script(R"(
    -- a script; the ';' in the string and in this comment must not split it
    CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id),
                        note TEXT DEFAULT 'a;b');
    /* block; comment */
    INSERT INTO parent(id) VALUES (1);
  )");
  db.exec("INSERT INTO child(parent_id) VALUES (1)");
  CHECK(db.query_value<std::string>("SELECT note FROM child") == "a;b");
  const auto msg = message_of([&] { db.exec("INSERT INTO child(parent_id) VALUES (2)"); });
  CHECK_THAT(msg, Catch::Contains("FOREIGN KEY"));
}

TEST_CASE("SQLite paths with spaces or '=' open the file they name", "[sql][session]") {
  ferry::test::scratch_dir dir;
  for (const char* name : {"with space.db", "a=b.db"}) {
    const auto path = dir.file(name);
    {
      session db(database_url::parse(path));
      db.exec("CREATE TABLE t (n INTEGER)");
    }
    CHECK(std::filesystem::exists(path));
  }
  CHECK(code_of([&] { session s(database_url::parse(dir.file("x=\"y.db"))); }) == errc::config);
}

TEST_CASE("transaction commits or rolls back on scope exit", "[sql][session]") {
  session db(database_url::parse("sqlite::memory:"));
  db.exec("CREATE TABLE t (n INTEGER UNIQUE)");
  {
    ferry::sql::transaction tx(db);
    CHECK(db.in_transaction());
    db.exec("INSERT INTO t VALUES (1)");
    tx.commit();
  }
  CHECK_FALSE(db.in_transaction());
  try {
    ferry::sql::transaction tx(db);
    db.exec("INSERT INTO t VALUES (2)");
    db.exec("INSERT INTO t VALUES (1)");  // UNIQUE violation
    tx.commit();
    FAIL("constraint not reported");
  } catch (const ferry::error& e) {
    CHECK(e.code() == errc::server_error);
    CHECK_FALSE(e.is_transient());
    CHECK_THAT(std::string(e.what()), Catch::Contains("UNIQUE"));
  }
  CHECK(db.query_value<int>("SELECT count(*) FROM t") == 1);  // the 2 was rolled back

  ferry::sql::transaction outer(db);
  CHECK_THROWS_AS(ferry::sql::transaction(db), std::invalid_argument);
}

TEST_CASE("SQL errors and open failures become ferry::error", "[sql][session][errors]") {
  session db(database_url::parse("sqlite::memory:"));
  CHECK(code_of([&] { db.exec("SELEC nonsense"); }) == errc::server_error);
  CHECK_THAT(message_of([&] { (void)db.query<int>("SELECT x FROM missing_table"); }),
             Catch::Contains("no such table") && Catch::Contains("missing_table"));
  CHECK(db.healthy());

  ferry::test::scratch_dir dir;
  CHECK(code_of([&] { session s(database_url::parse(dir.file("no/such/dir/x.db"))); }) ==
        errc::io_error);

  // Port 1 on loopback refuses at once: a transient connection failure, password not shown.
  const auto pg = database_url::parse("postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=2");
  try {
    session s(pg);
    FAIL("connected to port 1");
  } catch (const ferry::error& e) {
    CHECK(e.code() == errc::connection_failed);
    CHECK(e.is_transient());
    CHECK_THAT(std::string(e.what()), !Catch::Contains("s3cret"));
  }
}

TEST_CASE("a locked SQLite database fails with errc::busy within query_timeout",
          "[sql][session][busy]") {
  ferry::test::scratch_dir dir;
  const auto url = database_url::parse(dir.file("locked.db"));
  session writer(url);
  writer.exec("CREATE TABLE t (n INTEGER)");
  session other(url, {.query_timeout = 200ms});

  ferry::sql::transaction tx(writer);
  writer.exec("INSERT INTO t VALUES (1)");

  for (const char* what : {"begin", "insert"}) {
    const auto start = std::chrono::steady_clock::now();
    try {
      if (std::string(what) == "begin") {
        ferry::sql::transaction blocked(other);
      } else {
        other.exec("INSERT INTO t VALUES (2)");
      }
      FAIL("write succeeded while another session held the write lock: " << what);
    } catch (const ferry::error& e) {
      INFO(e.what());
      CHECK(e.code() == errc::busy);
      CHECK(e.is_transient());
    }
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 150ms);
    CHECK(took < 3s);
  }
  // WAL: readers are not blocked by the writer and see the last committed state.
  CHECK(other.query_value<int>("SELECT count(*) FROM t") == 0);
  tx.commit();
  CHECK(other.query_value<int>("SELECT count(*) FROM t") == 1);
  other.exec("INSERT INTO t VALUES (2)");  // the lock is free again
}

TEST_CASE("a slow SQLite query is interrupted with errc::timeout", "[sql][session][timeout]") {
  session db(database_url::parse("sqlite::memory:"), {.query_timeout = 100ms});
  const auto start = std::chrono::steady_clock::now();
  CHECK(code_of([&] {
          (void)db.query_value<std::int64_t>(
              "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
              "SELECT count(*) FROM c");
        }) == errc::timeout);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(db.query_value<int>("SELECT 42") == 42);  // the session stays usable
}

TEST_CASE("sessions move", "[sql][session]") {
  session a(database_url::parse("sqlite::memory:"));
  a.exec("CREATE TABLE t (n INTEGER)");
  session b(std::move(a));
  b.exec("INSERT INTO t VALUES (1)");
  CHECK(b.query_value<int>("SELECT n FROM t") == 1);
  CHECK(code_of([&] { a.exec("SELECT 1"); }) == errc::closed);  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("pool hands out at most size sessions and times out", "[sql][pool]") {
  ferry::test::scratch_dir dir;
  ferry::sql::pool pool(database_url::parse(dir.file("pool.db")),
                        {.size = 2, .acquire_timeout = 100ms});
  CHECK(pool.open_count() == 0);
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    CHECK(pool.open_count() == 2);
    const auto start = std::chrono::steady_clock::now();
    CHECK(code_of([&] { (void)pool.acquire(); }) == errc::pool_exhausted);
    CHECK(std::chrono::steady_clock::now() - start >= 90ms);
    a->exec("CREATE TABLE t (n INTEGER)");
  }
  CHECK(pool.idle_count() == 2);

  CHECK(pool.acquire()->query_value<int>("SELECT count(*) FROM t") == 0);
}

TEST_CASE("pool shares sessions between threads", "[sql][pool]") {
  ferry::test::scratch_dir dir;
  const auto url = database_url::parse(dir.file("threads.db"));
  ferry::sql::pool pool(url, {.size = 2, .acquire_timeout = 5s});
  pool.acquire()->exec("CREATE TABLE t (n INTEGER)");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        try {
          auto s = pool.acquire();
          ferry::sql::transaction tx(*s);
          s->exec("INSERT INTO t VALUES (:n)", t * 100 + i);
          tx.commit();
        } catch (const ferry::error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(pool.open_count() <= 2);
  CHECK(pool.acquire()->query_value<int>("SELECT count(*) FROM t") == 80);
}

TEST_CASE("a database that cannot be opened is named in the error", "[sql][session]") {
  ferry::test::scratch_dir dir;
  const auto missing = dir.file("no-such-dir/mail.db");
  const auto what = message_of([&] { session db(database_url::parse("sqlite://" + missing)); });
  CHECK_THAT(what, Catch::Contains("sqlite://" + missing));
  // A PostgreSQL URL is named without its password (nothing listens on port 1).
  const auto pg = message_of([&] {
    session db(database_url::parse("postgresql://app:Pg/S3cr3t@127.0.0.1:1/mail"),
               {.connect_timeout = 1s});
  });
  CHECK_THAT(pg, Catch::Contains("postgresql://app:***@127.0.0.1:1/mail"));
  CHECK_THAT(pg, !Catch::Contains("S3cr3t"));
}
