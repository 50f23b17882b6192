#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "ferry/core/error.hpp"
#include "ferry/core/url.hpp"
#include "ferry/sql/database_url.hpp"
#include "url_marker.hpp"

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
  const auto zone = database_url::parse("postgresql://[fe80::1%25eth0]/db");
  CHECK(zone.host == "fe80::1%eth0");
  CHECK(database_url::parse(zone.to_string()).host == "fe80::1%eth0");
  // A ':' decoded from %3A outside brackets is refused: to_string() would write it back in
  // brackets as an IPv6 address (found by fuzzing).
  CHECK_THROWS_WITH(database_url::parse("postgresql://a%3Ab/db"),
                    Catch::Contains("IPv6 address in brackets"));
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

  CHECK(ferry::redact_urls_in("at postgresql://u:pw@h/db and amqp://g:pw2@h") ==
        "at postgresql://u:***@h/db and amqp://g:***@h");
  CHECK(ferry::redact_urls_in("postgresql://u@h/db") == "postgresql://u@h/db");
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

TEST_CASE("database_url_from_env: read through an env lookup, \"\" counts as unset", "[sql][url]") {
  std::map<std::string, std::string> env{{"DATABASE_URL", ""}, {"DB_URL", "sqlite:///tmp/m.db"}};
  const ferry::sql::env_lookup lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  CHECK(ferry::sql::database_url_text_from_env(lookup) == "sqlite:///tmp/m.db");
  env = {{"DB_HOST", "db"}, {"DB_USER", "u s"}, {"DB_PASSWORD", "p@ss"}, {"DB_NAME", "mail"}};
  CHECK(ferry::sql::database_url_text_from_env(lookup) == "postgresql://u%20s:p%40ss@db/mail");
  const auto u = ferry::sql::database_url_from_env(lookup);
  REQUIRE(u);
  CHECK(u->to_string() == "postgresql://u%20s:***@db/mail");
  env = {{"DB_NAME", "x"}};
  CHECK_THROWS_AS(ferry::sql::database_url_text_from_env(lookup), ferry::error);
  env.clear();
  CHECK_FALSE(ferry::sql::database_url_from_env(lookup));
}

TEST_CASE("PostgreSQL URLs: a password with unencoded reserved characters is the password",
          "[sql][url]") {
  const std::string m(ferry_test::marker_in_url);
  auto u = database_url::parse("postgresql://app:" + m + "@db:5433/mail?sslmode=require");
  CHECK(u.user == "app");
  CHECK(u.password == std::string(ferry_test::marker_password));
  CHECK(u.host == "db");
  CHECK(u.port == 5433);
  CHECK(u.database == "mail");
  CHECK(u.to_string() == "postgresql://app:***@db:5433/mail?sslmode=require");

  CHECK(database_url::parse("postgresql://app:Pg/Slash88@db/mail").password == "Pg/Slash88");
  // libpq's reading too: the user ends at the first ':', the password at the '@'.
  auto colons = database_url::parse("postgresql://user:PW:179/0@h/mail");
  CHECK(colons.user == "user");
  CHECK(colons.password == "PW:179/0");
  CHECK(colons.host == "h");
  CHECK(colons.to_string() == "postgresql://user:***@h/mail");
  check_rejected("postgresql://user:PW:179/0@h", "missing database name", "PW");
  check_rejected("postgresql://user:5432/0@h/mail", "%40", "5432/0");
  check_rejected("postgresql://u@[::1/db", "'['");
  check_rejected("postgresql://a:b:c@h:1:2/db", "IPv6");
}

TEST_CASE("PostgreSQL URLs: no piece of a password shows in errors or to_string", "[sql][url]") {
  const std::string m(ferry_test::marker_in_url);
  for (const std::string& url :
       {"postgresql://app:" + m + "@db:99999/mail", "postgresql://app:" + m + "@db:abc/mail",
        "postgresql://app:" + m + "@db/", "postgresql://app:" + m + "@db/m?colour=blue",
        "postgresql://app:" + m + "@db/m?sslmode",
        "postgresql://app:" + m + "@db/m?connect_timeout=0", "postgresql://app:" + m + "%zz@db/m",
        "mysql://app:" + m + "@db/m", "postgres://app:5432/" + m + "@db/m",
        "postgresql://db/m?password=" + m + "&colour=1", "postgresql://app:" + m + "@db/m#frag",
        "postgresql:app:" + m + "@db/m"}) {
    INFO(url);
    try {
      (void)database_url::parse(url);
      FAIL("accepted");
    } catch (const ferry::error& e) {
      CHECK(e.code() == ferry::errc::config);
      ferry_test::check_no_marker(e.what());
    }
    // redact_urls_in reads free text, where only "scheme://" marks a URL.
    if (url.find("://") != std::string::npos)
      ferry_test::check_no_marker(ferry::redact_urls_in(url));
  }
  // sslpassword is libpq's key passphrase: a secret too.
  auto ssl = database_url::parse("postgresql://db/m?sslpassword=M4rk%2FEr9");
  CHECK(ssl.parameters.at(0).second == "M4rk/Er9");
  ferry_test::check_no_marker(ssl.to_string());
}

TEST_CASE("database_url_from_env: DATABASE_URL, then DB_URL, then DB_*", "[sql][url]") {
  std::map<std::string, std::string> env;
  const auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  env = {{"DATABASE_URL", "sqlite:///srv/a.db"},
         {"DB_URL", "sqlite:///srv/b.db"},
         {"DB_HOST", "db"},
         {"DB_NAME", "mail"}};
  CHECK(ferry::sql::database_url_from_env(getenv)->path == "/srv/a.db");
  env["DATABASE_URL"] = "";  // empty counts as unset
  CHECK(ferry::sql::database_url_from_env(getenv)->path == "/srv/b.db");
  env.erase("DB_URL");
  CHECK(ferry::sql::database_url_from_env(getenv)->host == "db");

  // DB_* values are encoded into the URL, so any password survives and never prints.
  const std::string password(ferry_test::marker_password);
  env = {{"DB_HOST", "/var/run/postgresql"},
         {"DB_USER", "m@il"},
         {"DB_PASSWORD", password},
         {"DB_NAME", "logging/email"}};
  auto u = ferry::sql::database_url_from_env(getenv);
  REQUIRE(u);
  CHECK(u->host == "/var/run/postgresql");
  CHECK(u->user == "m@il");
  CHECK(u->password == password);
  CHECK(u->database == "logging/email");
  ferry_test::check_no_marker(u->to_string());
  CHECK(database_url::parse(u->to_string()).host == "/var/run/postgresql");

  env = {{"DB_HOST", "::1"}, {"DB_PASSWORD", password}, {"DB_NAME", "mail"}};
  u = ferry::sql::database_url_from_env(getenv);
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->user.empty());
  CHECK(u->password == password);
}
