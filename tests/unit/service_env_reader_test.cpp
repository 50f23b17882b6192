// ferry::service::env_reader: unset and "" are "not given", numbers and yes/no are checked
// with errors naming the variable, lists are trimmed.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/service/env_reader.hpp"

using ferry::service::env_reader;

namespace {

env_reader reader(std::map<std::string, std::string> vars) {
  return env_reader([vars = std::move(vars)](const std::string& n) -> std::optional<std::string> {
    const auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

// Every variable the number and yes/no tests read.
env_reader sample() {
  return reader({{"TTL", "300"},
                 {"NEG", "-5"},
                 {"BIG", "99999999999999999999"},
                 {"SOON", "soon"},
                 {"EMPTY", ""},
                 {"TAIL", "5s"},
                 {"Y", "Yes"},
                 {"N", "off"},
                 {"ONE", "1"},
                 {"BAD", "maybe"},
                 {"Q", " a, b ,,c ,"},
                 {"NONE", ""}});
}

// The message of the ferry::error(errc::config) `f` throws.
template <typename F>
std::string config_error(F f) {
  try {
    f();
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::config);
    return e.what();
  }
  FAIL("no ferry::error thrown");
  return {};
}

}  // namespace

TEST_CASE("env_reader: text, raw and the empty value", "[service][env_reader]") {
  const auto env = reader({{"A", "x"}, {"EMPTY", ""}});
  CHECK(env.text("A") == "x");
  CHECK(env.text("EMPTY", "default") == "default");
  CHECK(env.text("UNSET", "default") == "default");
  CHECK(env.raw("EMPTY") == std::optional<std::string>(""));
  CHECK_FALSE(env.raw("UNSET"));
  CHECK(env_reader(ferry::service::env_lookup{}).text("A", "d") == "d");  // no lookup at all
}

TEST_CASE("env_reader: whole numbers in a range", "[service][env_reader]") {
  const auto env = sample();
  CHECK(env.integer("TTL", 1) == 300);
  CHECK(env.integer("EMPTY", 7) == 7);
  CHECK(env.integer("UNSET", 7) == 7);
  CHECK(env.integer("NEG", 0, -10, 10) == -5);
  CHECK_THAT(
      config_error([&] { (void)env.integer("NEG", 0); }),
      Catch::StartsWith("NEG must be a whole number from 0 to 9223372036854775807, got '-5'"));
  CHECK_THAT(config_error([&] { (void)env.integer("TTL", 1, 1, 60); }),
             Catch::StartsWith("TTL must be a whole number from 1 to 60, got '300'"));
  CHECK_THROWS_AS(env.integer("BIG", 0), ferry::error);
  CHECK_THROWS_AS(env.integer("SOON", 0), ferry::error);
  CHECK_THROWS_AS(env.integer("TAIL", 0), ferry::error);
}

TEST_CASE("env_reader: yes/no and lists", "[service][env_reader]") {
  const auto env = sample();
  CHECK(env.boolean("Y", false));
  CHECK_FALSE(env.boolean("N", true));
  CHECK(env.boolean("ONE", false));
  CHECK(env.boolean("UNSET", true));
  CHECK_THAT(config_error([&] { (void)env.boolean("BAD", true); }),
             Catch::StartsWith("BAD must be true/false, yes/no, on/off or 1/0, got 'maybe'"));
  CHECK(env.list("Q") == std::vector<std::string>{"a", "b", "c"});
  CHECK(env.list("NONE").empty());
  CHECK(env.list("UNSET").empty());
}

TEST_CASE("env_reader's rules for text that came from a flag", "[service][env_reader]") {
  using ferry::service::parse_whole_number;
  using ferry::service::split_list;
  CHECK(split_list(" a, b,,c ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_list("").empty());
  CHECK(parse_whole_number("42", "--max-sleep-seconds", 1, 3600) == 42);
  CHECK_THAT(
      config_error([] { (void)parse_whole_number("0", "--max-sleep-seconds", 1, 3600); }),
      Catch::StartsWith("--max-sleep-seconds must be a whole number from 1 to 3600, got '0'"));
  CHECK_THROWS_AS(parse_whole_number("1e3", "X", 0, 10000), ferry::error);
}
