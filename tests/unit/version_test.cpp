#include <catch2/catch.hpp>

#include <string>

#include "ferry/core/version.hpp"

TEST_CASE("FERRY_VERSION is MAJOR * 10000 + MINOR * 100 + PATCH", "[version]") {
  STATIC_REQUIRE(FERRY_VERSION ==
                 FERRY_VERSION_MAJOR * 10000 + FERRY_VERSION_MINOR * 100 + FERRY_VERSION_PATCH);
  STATIC_REQUIRE(FERRY_VERSION_MINOR < 100);
  STATIC_REQUIRE(FERRY_VERSION_PATCH < 100);
  CHECK(std::string(FERRY_VERSION_STRING) == std::to_string(FERRY_VERSION_MAJOR) + "." +
                                                 std::to_string(FERRY_VERSION_MINOR) + "." +
                                                 std::to_string(FERRY_VERSION_PATCH));
}

#if FERRY_VERSION < 100
#error "FERRY_VERSION must be usable in #if"
#endif

TEST_CASE("ferry::version() is the version the library was built as", "[version]") {
  // The unit tests are built with the library, so headers and library agree here; a program
  // run against another build of the library would see the difference in exactly these fields.
  const ferry::version_info v = ferry::version();
  CHECK(v.major == FERRY_VERSION_MAJOR);
  CHECK(v.minor == FERRY_VERSION_MINOR);
  CHECK(v.patch == FERRY_VERSION_PATCH);
  CHECK(v.number == FERRY_VERSION);
  CHECK(v.string == FERRY_VERSION_STRING);
}
