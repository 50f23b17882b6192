#include <catch2/catch.hpp>

#include "ferry/core/url_encoding.hpp"

TEST_CASE("percent_encode escapes everything outside RFC 3986's unreserved set", "[url]") {
  CHECK(ferry::percent_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(ferry::percent_encode("p@ss/wo:rd") == "p%40ss%2Fwo%3Ard");
  CHECK(ferry::percent_encode(std::string_view("\0\xff", 2)) == "%00%FF");
  CHECK(ferry::percent_encode("/a b", "/") == "/a%20b");
}

TEST_CASE("percent_decode inverts percent_encode and rejects malformed escapes", "[url]") {
  const std::string all_bytes = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s += static_cast<char>(c);
    return s;
  }();
  CHECK(ferry::percent_decode(ferry::percent_encode(all_bytes)) == all_bytes);
  CHECK(ferry::percent_decode("%2f%2F") == "//");
  CHECK(ferry::percent_decode("a+b") == "a+b");
  CHECK_FALSE(ferry::percent_decode("%").has_value());
  CHECK_FALSE(ferry::percent_decode("%4").has_value());
  CHECK_FALSE(ferry::percent_decode("%G1").has_value());
  CHECK_FALSE(ferry::percent_decode("ok%").has_value());
}
