// codec<T>: built-in codecs round-trip and reject malformed bytes with errc::decode_error.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ferry/core/codec.hpp"
#include "ferry/core/codec_json.hpp"

namespace {

struct point {
  int x = 0;
  int y = 0;
  friend bool operator==(const point&, const point&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(point, x, y)

struct celsius {
  double degrees = 0;
};

struct no_codec {};

template <class E>
bool is_decode_error(const E& e) {
  return e.kind() == ferry::errc::decode_error;
}

}  // namespace

// A user-supplied codec beats the JSON one.
template <>
struct ferry::codec<celsius> {
  static std::string encode(const celsius& c) { return std::to_string(c.degrees) + "C"; }
  static celsius decode(std::string_view s) {
    if (s.empty() || s.back() != 'C') throw ferry::error(ferry::errc::decode_error, "no C");
    return celsius{std::stod(std::string(s.substr(0, s.size() - 1)))};
  }
};

TEST_CASE("codec: std::string is the bytes themselves, binary-safe", "[codec]") {
  std::string bin("a\0b\xff", 4);
  CHECK(ferry::codec<std::string>::encode(bin) == bin);
  CHECK(ferry::codec<std::string>::decode(bin) == bin);
}

TEST_CASE("codec: integers are decimal text and decode strictly", "[codec]") {
  CHECK(ferry::codec<int>::encode(42) == "42");
  CHECK(ferry::codec<long long>::encode(-7) == "-7");
  CHECK(ferry::codec<std::uint64_t>::decode("18446744073709551615") ==
        std::numeric_limits<std::uint64_t>::max());
  CHECK(ferry::codec<int>::decode("-2147483648") == std::numeric_limits<int>::min());
  for (const char* bad : {"", " 1", "1 ", "+1", "1.5", "abc", "2147483648", "0x10"}) {
    INFO(bad);
    try {
      (void)ferry::codec<int>::decode(bad);
      FAIL("decoded " << bad);
    } catch (const ferry::error& e) {
      CHECK(is_decode_error(e));
    }
  }
  try {
    (void)ferry::codec<unsigned>::decode("-1");
    FAIL("decoded -1 as unsigned");
  } catch (const ferry::error& e) {
    CHECK(is_decode_error(e));
  }
}

TEST_CASE("codec: JSON types round-trip; wrong shapes are decode errors", "[codec]") {
  using J = ferry::codec<point>;
  CHECK(J::encode(point{1, 2}) == R"({"x":1,"y":2})");
  CHECK(J::decode(R"({"y":4,"x":3})") == point{3, 4});
  std::map<std::string, int> m{{"b", 2}, {"a", 1}};
  CHECK(ferry::codec<decltype(m)>::encode(m) == R"({"a":1,"b":2})");
  CHECK(ferry::codec<std::vector<int>>::decode("[1,2,3]") == std::vector<int>{1, 2, 3});
  CHECK(ferry::codec<bool>::encode(true) == "true");
  for (const char* bad : {"", "{", "42", R"({"x":"one","y":2})", R"({"x":1})"}) {
    INFO(bad);
    try {
      (void)J::decode(bad);
      FAIL("decoded " << bad);
    } catch (const ferry::error& e) {
      CHECK(is_decode_error(e));
    }
  }
  // Invalid UTF-8 cannot be written as JSON: an error, not a crash.
  try {
    (void)ferry::codec<std::vector<std::string>>::encode({std::string("\xff")});
    FAIL("encoded invalid UTF-8");
  } catch (const ferry::error& e) {
    CHECK(is_decode_error(e));
  }
}

TEST_CASE("codec: a user specialisation is used; types without one have no codec", "[codec]") {
  CHECK(ferry::codec<celsius>::encode(celsius{1.5}).back() == 'C');
  CHECK(ferry::codec<celsius>::decode("2.5C").degrees == 2.5);
  STATIC_REQUIRE(ferry::has_codec<celsius>);
  STATIC_REQUIRE(ferry::has_codec<point>);
  STATIC_REQUIRE(ferry::has_codec<std::string>);
  STATIC_REQUIRE(ferry::has_codec<short>);
  STATIC_REQUIRE_FALSE(ferry::has_codec<no_codec>);
}
