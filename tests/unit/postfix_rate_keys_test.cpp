// ferry::postfix::rate_keys_for: normalised sender keys, none for the null sender or a missing
// client address, and keys that never carry a hash tag or collide.
#include <catch2/catch.hpp>

#include <string>

#include "ferry/postfix/rate_keys.hpp"

using ferry::postfix::rate_keys_for;

TEST_CASE("rate keys: the sender normalised, the client as given", "[postfix][rate_keys]") {
  const auto k = rate_keys_for("  <Alice@Example.COM> ", "192.0.2.1");
  CHECK(k.sender == std::optional<std::string>("sender:alice@example.com"));
  CHECK(k.client == std::optional<std::string>("client:192.0.2.1"));
  // Case and brackets make no new quota.
  CHECK(rate_keys_for("alice@example.com", "").sender == k.sender);
  CHECK(rate_keys_for("a+tag@b.example", "2001:db8::1").client ==
        std::optional<std::string>("client:2001%3Adb8%3A%3A1"));
  CHECK(rate_keys_for("a+tag@b.example", "").sender ==
        std::optional<std::string>("sender:a+tag@b.example"));
}

TEST_CASE("rate keys: none for the null sender or a missing client address",
          "[postfix][rate_keys]") {
  const auto bounce = rate_keys_for("", "198.51.100.7");
  CHECK_FALSE(bounce.sender);
  CHECK(bounce.client == std::optional<std::string>("client:198.51.100.7"));
  CHECK_FALSE(rate_keys_for("<>", "").sender);
  CHECK_FALSE(rate_keys_for("a@b.example", "").client);
}

TEST_CASE("rate keys never hold a hash tag and never collide", "[postfix][rate_keys]") {
  const auto tagged = rate_keys_for("{x}@b.example", "{1}");
  CHECK(tagged.sender == std::optional<std::string>("sender:%7Bx%7D@b.example"));
  CHECK(tagged.client == std::optional<std::string>("client:%7B1%7D"));
  // '%' is encoded too: an address spelling another's encoding gets its own key.
  CHECK(rate_keys_for("%7bx%7d@b.example", "").sender != tagged.sender);
}
