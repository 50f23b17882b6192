#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/core/error.hpp"

using ferry::celery::protocol::json;
using ferry::celery::protocol::parse_json;
using ferry::celery::protocol::python_json_dumps;

TEST_CASE("python_json_dumps uses Python's separators and key order", "[celery][json]") {
  json j = json::object();
  j["b"] = 1;
  j["a"] = json::array({1, nullptr, true, false, "x"});
  j["e"] = json::object();
  j["l"] = json::array();
  CHECK(python_json_dumps(j) == R"({"b": 1, "a": [1, null, true, false, "x"], "e": {}, "l": []})");
}

TEST_CASE("python_json_dumps escapes like ensure_ascii", "[celery][json]") {
  CHECK(python_json_dumps("Zo\xc3\xab \xe2\x98\x83 \xe6\xbc\xa2 \xf0\x9f\x98\x80") ==
        R"("Zo\u00eb \u2603 \u6f22 \ud83d\ude00")");
  CHECK(python_json_dumps("q\"b\\s\tn\nr\rb\bf\f") == R"("q\"b\\s\tn\nr\rb\bf\f")");
  CHECK(python_json_dumps(std::string("\x01\x1f\x7f/", 4)) == R"("\u0001\u001f\u007f/")");
}

TEST_CASE("python_json_dumps writes floats as Python's repr", "[celery][json]") {
  CHECK(python_json_dumps(1.0) == "1.0");
  CHECK(python_json_dumps(2.5) == "2.5");
  CHECK(python_json_dumps(1e100) == "1e+100");
  CHECK(python_json_dumps(1e16) == "1e+16");
  CHECK(python_json_dumps(1234567890123456.0) == "1234567890123456.0");
  CHECK(python_json_dumps(0.0001) == "0.0001");
  CHECK(python_json_dumps(0.00001) == "1e-05");
  CHECK(python_json_dumps(-0.0) == "-0.0");
  CHECK(python_json_dumps(0.1) == "0.1");
  CHECK(python_json_dumps(2.5e-308) == "2.5e-308");
  CHECK(python_json_dumps(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(python_json_dumps(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(python_json_dumps(-std::numeric_limits<double>::infinity()) == "-Infinity");
  CHECK(python_json_dumps(json(1099511627776)) == "1099511627776");
  CHECK(python_json_dumps(json(std::numeric_limits<std::uint64_t>::max())) ==
        "18446744073709551615");
}

TEST_CASE("python_json_dumps rejects invalid UTF-8 as misuse", "[celery][json]") {
  CHECK_THROWS_AS(python_json_dumps(std::string("\xff")), std::invalid_argument);
  CHECK_THROWS_AS(python_json_dumps(std::string("\xed\xa0\x80")), std::invalid_argument);
}

TEST_CASE("parse_json reports bad input as decode_error", "[celery][json]") {
  try {
    (void)parse_json("this is {not json", "task body");
    FAIL("no exception");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::decode_error);
    CHECK_THAT(e.what(), Catch::Contains("task body is not valid JSON"));
  }
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  try {
    (void)parse_json(deep, "task body");
    FAIL("no exception");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::decode_error);
    CHECK_THAT(e.what(), Catch::Contains("nested deeper"));
  }
  // Brackets inside strings do not count towards the depth.
  CHECK(parse_json(R"(["[[[[[[", "\"]]]"])", "x", {.max_depth = 2}).size() == 2);
}

TEST_CASE("parse_json keeps key order", "[celery][json]") {
  const auto j = parse_json(R"({"z": 1, "a": 2, "m": {"y": 1, "b": 2}})", "x");
  CHECK(python_json_dumps(j) == R"({"z": 1, "a": 2, "m": {"y": 1, "b": 2}})");
}
