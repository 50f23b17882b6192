#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "ferry/error.hpp"
#include "ferry/sql/database_url.hpp"

using ferry::sql::backend;
using ferry::sql::database_url;

namespace {

// Expects parse(input) to fail with errc::config, the message naming `problem` and never
// containing `secret`.
void check_rejected(const std::string& input, const std::string& problem,
                    const std::string& secret = "s3cret") {
  try {
    (void)database_url::parse(input);
    FAIL("accepted: " << input);
  } catch (const ferry::error& e) {
    CHECK(e.code() == ferry::errc::config);
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains(problem));
    CHECK_THAT(what, !Catch::Contains(secret));
  }
}

}  // namespace

TEST_CASE("SQLite URLs: absolute, relative, memory and bare paths", "[sql][url]") {
  auto abs = database_url::parse("sqlite:///var/lib/mail/mail.db");
  CHECK(abs.kind == backend::sqlite);
  CHECK(abs.path == "/var/lib/mail/mail.db");
  CHECK(abs.to_string() == "sqlite:///var/lib/mail/mail.db");

  CHECK(database_url::parse("sqlite://mail.db").path == "mail.db");
  CHECK(database_url::parse("sqlite::memory:").path == ":memory:");
  CHECK(database_url::parse("sqlite::memory:").to_string() == "sqlite::memory:");
  CHECK(database_url::parse("/tmp/x y.db").path == "/tmp/x y.db");
  CHECK(database_url::parse("data/mail.db").kind == backend::sqlite);
}

TEST_CASE("PostgreSQL URLs become libpq connection strings", "[sql][url]") {
  auto u = database_url::parse(
      "postgresql://mail%40x:p%40ss'w@db.example:6543/mail?connect_timeout=7&sslmode=require");
  CHECK(u.kind == backend::postgresql);
  CHECK(u.user == "mail@x");
  CHECK(u.password == "p@ss'w");
  CHECK(u.host == "db.example");
  CHECK(u.port == 6543);
  CHECK(u.database == "mail");
  REQUIRE(u.connect_timeout);
  CHECK(u.connect_timeout->count() == 7);
  CHECK(u.postgresql_connection_string() ==
        "host='db.example' port='6543' dbname='mail' user='mail@x' password='p@ss\\'w' "
        "connect_timeout='7' sslmode='require'");

  auto minimal = database_url::parse("postgres:///mail");
  CHECK(minimal.host.empty());
  CHECK_FALSE(minimal.port);
  CHECK(minimal.postgresql_connection_string() == "dbname='mail'");

  auto v6 = database_url::parse("postgresql://[::1]:5432/db");
  CHECK(v6.host == "::1");
  CHECK(v6.to_string() == "postgresql://[::1]:5432/db");
}

TEST_CASE("the password is redacted in to_string and in errors", "[sql][url]") {
  auto u = database_url::parse("postgresql://app:s3cret@localhost:5432/mail");
  CHECK(u.to_string() == "postgresql://app:***@localhost:5432/mail");
  CHECK(database_url::parse(u.to_string()).password == "***");

  check_rejected("postgresql://app:s3cret@localhost:99999/mail", "bad port '99999'");
  check_rejected("postgresql://app:s3cret@localhost:abc/mail", "bad port 'abc'");
  check_rejected("postgresql://app:s3cret@localhost/", "missing database name");
  check_rejected("postgresql://app:s3cret@localhost/db?connect_timeout=0", "connect_timeout");
  check_rejected("postgresql://app:s3cret@localhost/db?colour=blue", "unknown parameter 'colour'");
  check_rejected("postgresql://app:s3cret@localhost/db?sslmode", "has no value");
  check_rejected("postgresql://app:s3%2@localhost/db", "%-escape", "s3%2");
  check_rejected("mysql://app:s3cret@localhost/db", "unsupported scheme 'mysql'");
  check_rejected("", "empty");
  check_rejected("sqlite://", "missing SQLite file path");
  check_rejected("sqlite:mail.db", "expected sqlite:///abs/path");
  check_rejected("sqlite::memory:x", "junk after");

  CHECK(ferry::sql::redact_url("at postgresql://u:pw@h/db and amqp://g:pw2@h") ==
        "at postgresql://u:***@h/db and amqp://g:***@h");
  CHECK(ferry::sql::redact_url("postgresql://u@h/db") == "postgresql://u@h/db");
}

TEST_CASE("database_url_from_env: DB_URL wins, DB_* describe PostgreSQL", "[sql][url]") {
  std::map<std::string, std::string> env;
  const auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };

  CHECK_FALSE(ferry::sql::database_url_from_env(getenv));

  env = {{"DB_HOST", "db"},
         {"DB_PORT", "5433"},
         {"DB_USER", "mail"},
         {"DB_PASSWORD", "s3cret"},
         {"DB_NAME", "logging_email"}};
  auto u = ferry::sql::database_url_from_env(getenv);
  REQUIRE(u);
  CHECK(u->kind == backend::postgresql);
  CHECK(u->to_string() == "postgresql://mail:***@db:5433/logging_email");

  env["DB_URL"] = "sqlite:///tmp/mail.db";
  u = ferry::sql::database_url_from_env(getenv);
  REQUIRE(u);
  CHECK(u->kind == backend::sqlite);

  env.erase("DB_URL");
  env["DB_PORT"] = "nope";
  CHECK_THROWS_MATCHES(ferry::sql::database_url_from_env(getenv), ferry::error,
                       Catch::Matchers::Predicate<ferry::error>([](const ferry::error& e) {
                         const std::string w = e.what();
                         return e.code() == ferry::errc::config &&
                                w.find("DB_PORT") != std::string::npos &&
                                w.find("s3cret") == std::string::npos;
                       }));
  env = {{"DB_NAME", "x"}};
  CHECK_THROWS_AS(ferry::sql::database_url_from_env(getenv), ferry::error);
  env = {{"DB_HOST", "x"}};
  CHECK_THROWS_AS(ferry::sql::database_url_from_env(getenv), ferry::error);
}
