// ferry::postfix's answers and listen addresses: framing, validation, Postfix's notations.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include <ferry/core/error.hpp>
#include <ferry/postfix/action.hpp>
#include <ferry/postfix/listen_address.hpp>

using namespace ferry::postfix;

TEST_CASE("postfix actions are framed as one action= line and an empty line", "[postfix][action]") {
  CHECK(action::dunno().line() == "action=DUNNO\n\n");
  CHECK(action::ok().line() == "action=OK\n\n");
  CHECK(action::reject("5.1.1 User unknown").line() == "action=REJECT 5.1.1 User unknown\n\n");
  CHECK(action::defer_if_permit("Service temporarily unavailable").text() ==
        "DEFER_IF_PERMIT Service temporarily unavailable");
  CHECK(action::defer("4.3.0 Try later").text() == "DEFER 4.3.0 Try later");
  CHECK(action::reject("").line() == "action=REJECT\n\n");
  CHECK(action::custom("450 4.7.1 Slow down").line() == "action=450 4.7.1 Slow down\n\n");
  CHECK(action::reject("x") == action::reject("x"));
  CHECK_FALSE(action::reject("x") == action::defer("x"));
}

TEST_CASE("postfix actions refuse text that would break the framing", "[postfix][action]") {
  CHECK_THROWS_AS(action::reject("5.1.1 a\nb"), std::invalid_argument);
  CHECK_THROWS_AS(action::defer_if_permit("a\r"), std::invalid_argument);
  CHECK_THROWS_AS(action::custom(std::string("OK\0x", 4)), std::invalid_argument);
  CHECK_THROWS_AS(action::custom(""), std::invalid_argument);
}

TEST_CASE("listen addresses in Postfix's notation", "[postfix][listen]") {
  CHECK(parse_listen_address("127.0.0.1:10040").port == 10040);
  CHECK(parse_listen_address("inet:127.0.0.1:10040").host == "127.0.0.1");
  CHECK(parse_listen_address("[::1]:25").host == "::1");
  CHECK(parse_listen_address("unix:/run/policy.sock").is_unix);
  CHECK(parse_listen_address("/run/policy.sock").path == "/run/policy.sock");
  CHECK_THROWS_AS(parse_listen_address("localhost"), ferry::error);
  CHECK_THROWS_AS(parse_listen_address("host:99999"), ferry::error);
}
