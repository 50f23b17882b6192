#include <catch2/catch.hpp>

#include <string>

#include "ferry/core/error.hpp"
#include "ferry/core/url.hpp"
#include "url_marker.hpp"

using ferry::split_url;
using ferry::url_authority;

namespace {

// The message of the config error split_url(url) throws; fails the test if it accepts `url`.
std::string split_error(const std::string& url, url_authority authority = url_authority::host) {
  try {
    (void)split_url(url, "test", authority);
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::config);
    return e.what();
  }
  FAIL("accepted: " << url);
  return {};
}

}  // namespace

TEST_CASE("split_url: the parts of a well-formed URL", "[core][url]") {
  const auto p = split_url("redis://alice:pw@cache:6380/2?timeout=1&db=2", "test");
  CHECK(p.scheme == "redis");
  CHECK(p.user == "alice");
  CHECK(p.password == "pw");
  CHECK(p.host == "cache");
  CHECK(p.port == 6380);
  CHECK(p.path == "/2");
  CHECK(p.query == "timeout=1&db=2");

  const auto bare = split_url("amqp://h", "test");
  CHECK_FALSE(bare.user);
  CHECK_FALSE(bare.password);
  CHECK_FALSE(bare.port);
  CHECK(bare.path.empty());
  CHECK(bare.query.empty());

  const auto user_only = split_url("postgresql://app@[::1]:5432/db", "test");
  CHECK(user_only.user == "app");
  CHECK_FALSE(user_only.password);
  CHECK(user_only.host == "::1");
  CHECK(user_only.port == 5432);

  const auto socket = split_url("unix://:pw@/run/r.sock?db=1", "test", url_authority::none);
  CHECK(socket.password == "pw");
  CHECK(socket.host.empty());
  CHECK(socket.path == "/run/r.sock");
  CHECK(socket.query == "db=1");
}

TEST_CASE("split_url: the userinfo ends at the last '@'", "[core][url]") {
  CHECK(split_url("redis://u:a@b@h", "test").password == "a@b");
  CHECK(split_url("redis://:s3c?ret@127.0.0.1:6379/0", "test").password == "s3c?ret");
  CHECK(split_url("postgresql://app:Pg/Slash88@h/db", "test").password == "Pg/Slash88");
  CHECK(split_url("amqp://guest:Amqp/Slash99@h/", "test").password == "Amqp/Slash99");
  const auto colons = split_url("postgresql://user:PW:179/0@h/db", "test");
  CHECK(colons.user == "user");
  CHECK(colons.password == "PW:179/0");
  CHECK(colons.host == "h");
  CHECK(colons.path == "/db");

  const std::string m(ferry_test::marker_in_url);
  const std::string url = "redis://u:" + m + "@h:1/0?x=1";  // the parts are views into it
  const auto marked = split_url(url, "test");
  CHECK(marked.password == m);
  CHECK(marked.host == "h");
  CHECK(marked.port == 1);
  CHECK(marked.path == "/0");
  CHECK(marked.query == "x=1");
  const std::string socket = "unix://:" + m + "@/s";
  CHECK(split_url(socket, "test", url_authority::none).password == m);
}

TEST_CASE("split_url: without a password, an '@' may follow the host", "[core][url]") {
  const auto q = split_url("amqp://h/v?connection_name=ingest@mx1", "test");
  CHECK_FALSE(q.user);
  CHECK(q.host == "h");
  CHECK(q.path == "/v");
  CHECK(q.query == "connection_name=ingest@mx1");
  const auto u = split_url("amqp://guest@h/v@x", "test");
  CHECK(u.user == "guest");
  CHECK(u.host == "h");
  CHECK(u.path == "/v@x");
  CHECK(split_url("unix:///run/redis@main/r.sock", "test", url_authority::none).path ==
        "/run/redis@main/r.sock");
}

TEST_CASE("split_url: an ambiguous userinfo is refused without quoting it", "[core][url]") {
  // Each could be a password holding a '/' or '?', or an '@' in the path or query.
  for (const char* url :
       {"redis://u:6379/x9Secret@h", "amqp://h:5672/v?name=x9Secret@h", "redis://u:p@h/x9Secret@h",
        "redis://us/er:x9Secret@h", "redis://[::1]:1/x9Secret@h"}) {
    const auto what = split_error(url);
    CHECK_THAT(what, Catch::Contains("%40"));
    CHECK_THAT(what, !Catch::Contains("x9Secret"));
  }
  CHECK_THAT(split_error("unix://:p@/run/x9Secret@main/s", url_authority::none),
             !Catch::Contains("x9Secret"));
}

TEST_CASE("split_url: malformed authorities and fragments", "[core][url]") {
  CHECK_THAT(split_error("h:6379"), Catch::Contains("scheme"));
  CHECK_THAT(split_error("://h"), Catch::Contains("scheme"));
  CHECK_THAT(split_error("re dis://h"), Catch::Contains("scheme"));
  CHECK_THAT(split_error("redis://h:"), Catch::Contains("empty port"));
  CHECK_THAT(split_error("redis://h:0"), Catch::Contains("bad port '0'"));
  CHECK_THAT(split_error("redis://h:65536"), Catch::Contains("bad port '65536'"));
  CHECK_THAT(split_error("redis://h:1x"), Catch::Contains("bad port '1x'"));
  CHECK_THAT(split_error("redis://::1:6379"), Catch::Contains("brackets"));
  CHECK_THAT(split_error("redis://[::1"), Catch::Contains("unterminated"));
  CHECK_THAT(split_error("redis://[::1]x"), Catch::Contains("after IPv6"));
  // Brackets hold an IPv6 address and a zone id, nothing else (found by fuzzing: a decoded
  // '@' inside them made a host that to_string() could not write back).
  CHECK_THAT(split_error("redis://[:.0&f%40f]:6379"), Catch::Contains("no IPv6 address"));
  CHECK_THAT(split_error("redis://[host]"), Catch::Contains("no IPv6 address"));
  CHECK_THAT(split_error("redis://[fe80::1%25]"), Catch::Contains("no IPv6 address"));
  CHECK(split_url("redis://[fe80::1%25eth0]:6379", "test").host == "fe80::1%25eth0");
  CHECK(split_url("redis://[::ffff:127.0.0.1]", "test").host == "::ffff:127.0.0.1");
  CHECK_THAT(split_error("redis://h/0#top"), Catch::Contains("fragment"));
}

TEST_CASE("redact_url: the password and ...password= values become ***", "[core][url]") {
  CHECK(ferry::redact_url("redis://:s3c?ret@127.0.0.1:P/0") == "redis://:***@127.0.0.1:P/0");
  CHECK(ferry::redact_url("postgresql://app:Pg/Slash88@h/db") == "postgresql://app:***@h/db");
  CHECK(ferry::redact_url("redis://a:b@c/0?password=x&db=1") ==
        "redis://a:***@c/0?password=***&db=1");
  CHECK(ferry::redact_url("postgresql://h/db?sslpassword=x") ==
        "postgresql://h/db?sslpassword=***");
  CHECK(ferry::redact_url("amqp://guest@h/v") == "amqp://guest@h/v");
  CHECK(ferry::redact_url("amqp://h:5672/v") == "amqp://h:5672/v");
  CHECK(ferry::redact_url("user:pw@host") == "user:***@host");
  CHECK(ferry::redact_url("u:p://w@host") == "u:***@host");  // no scheme: "://" is the password's
  CHECK(ferry::redact_urls_in("at postgresql://u:pw@h/db and amqp://g:pw2@h, done") ==
        "at postgresql://u:***@h/db and amqp://g:***@h, done");

  const std::string m(ferry_test::marker_in_url);
  for (const std::string& url :
       {"redis://u:" + m + "@h", "redis://:" + m + "@h:x/y?z#w", "u:" + m + "@h",
        "redis:u:" + m + "@h", "redis://h?password=" + m, "redis://h?a=1&db_password=" + m,
        "amqp://u:" + m + "@h/v?n=a@b"}) {
    INFO(url);
    ferry_test::check_no_marker(ferry::redact_url(url));
    // In free text only "scheme://" marks a URL.
    if (url.find("://") != std::string::npos) {
      ferry_test::check_no_marker(ferry::redact_urls_in("url " + url + " failed"));
    }
  }
}

TEST_CASE("redacted_userinfo", "[core][url]") {
  CHECK(ferry::redacted_userinfo("app", true) == "app:***@");
  CHECK(ferry::redacted_userinfo("app", false) == "app@");
  CHECK(ferry::redacted_userinfo("", true) == ":***@");
  CHECK(ferry::redacted_userinfo("", false).empty());
}
