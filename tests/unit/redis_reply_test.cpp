#include <catch2/catch.hpp>

#include "ferry/core/error.hpp"
#include "ferry/redis/reply.hpp"

using ferry::errc;
using ferry::redis::reply;

namespace {
errc error_of(const reply& r) {
  try {
    r.throw_if_error();
  } catch (const ferry::error& e) {
    return e.kind();
  }
  return errc{};
}
}  // namespace

TEST_CASE("redis reply: typed accessors", "[redis][reply]") {
  CHECK(reply{}.is_nil());
  CHECK_FALSE(reply{}.as_optional_string());
  CHECK_FALSE(reply{}.as_optional_integer());
  CHECK(reply{}.elements().empty());
  CHECK(reply::make_string(std::string("a\0b", 3)).as_string().size() == 3);
  CHECK(reply::make_status("OK").as_string() == "OK");
  CHECK(reply::make_integer(42).as_integer() == 42);
  CHECK(reply::make_integer(42).as_optional_integer() == 42);
  auto arr = reply::make_array({reply::make_string("x"), reply{}});
  REQUIRE(arr.elements().size() == 2);
  CHECK(arr.elements()[0].as_optional_string() == "x");
  CHECK_FALSE(arr.elements()[1].as_optional_string());
  std::string moved = reply::make_string("payload").as_string();
  CHECK(moved == "payload");
}

TEST_CASE("redis reply: type mismatches and error replies throw", "[redis][reply]") {
  try {
    (void)reply::make_integer(1).as_string();
    FAIL("no throw");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == errc::decode_error);
  }
  auto err = reply::make_error("WRONGTYPE Operation against a key holding the wrong kind");
  CHECK(err.is_error_code("WRONGTYPE"));
  CHECK_FALSE(err.is_error_code("WRONG"));
  try {
    (void)err.as_string();
    FAIL("no throw");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == errc::server_error);
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("WRONGTYPE Operation"));
  }
  CHECK(error_of(reply::make_error("NOAUTH Authentication required.")) == errc::auth_failed);
  CHECK(error_of(reply::make_error("WRONGPASS invalid username-password pair")) ==
        errc::auth_failed);
  CHECK(error_of(reply::make_error("LOADING Redis is loading the dataset")) == errc::busy);
  CHECK(error_of(reply::make_error("BUSY Redis is busy running a script")) == errc::busy);
  CHECK(error_of(reply::make_error("ERR unknown command")) == errc::server_error);
  CHECK(error_of(reply::make_status("OK")) == errc{});
}
