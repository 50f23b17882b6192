#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/core/observer.hpp"

using ferry::error_context;
using ferry::log_level;
using ferry::observer;

TEST_CASE("a default observer is silent and never throws", "[observer]") {
  const observer o;
  CHECK_FALSE(o.enabled(log_level::error));
  CHECK_FALSE(o.has_error_hook());
  o.log(log_level::error, "queue.worker", "dropped");
  o.error(std::runtime_error("dropped"), {.component = "queue.worker", .operation = "fetch"});
}

TEST_CASE("the observer logs at and above its threshold", "[observer]") {
  std::vector<std::string> lines;
  const observer o{log_level::info, [&](log_level l, std::string_view c, std::string_view m) {
                     lines.push_back(std::string(ferry::to_string(l)) + " " + std::string(c) +
                                     ": " + std::string(m));
                   }};
  CHECK_FALSE(o.enabled(log_level::debug));
  CHECK(o.enabled(log_level::warning));
  CHECK_FALSE(o.enabled(log_level::off));
  o.log(log_level::debug, "c", "hidden");
  o.log(log_level::info, "c", "shown");
  const observer copy = o;  // copies share the sink
  copy.log(log_level::error, "c", "too");
  CHECK(lines == std::vector<std::string>{"info c: shown", "error c: too"});
}

TEST_CASE("the error hook gets the exception and its context", "[observer]") {
  std::string seen;
  bool transient = false;
  const auto o = observer::errors_to([&](const std::exception& e, const error_context& ctx) {
    seen = std::string(ctx.component) + "/" + std::string(ctx.operation) + "/" +
           std::string(ctx.id) + ": " + e.what();
    if (const auto* fe = dynamic_cast<const ferry::error*>(&e)) transient = fe->is_transient();
  });
  CHECK(o.has_error_hook());
  CHECK_FALSE(o.enabled(log_level::error));
  o.error(ferry::error(ferry::errc::timeout, "slow"),
          {.component = "queue.worker", .operation = "fail", .id = "42"});
  CHECK(seen.starts_with("queue.worker/fail/42: "));
  CHECK(transient);
}

TEST_CASE("a throwing sink does not escape the observer", "[observer]") {
  const observer o{log_level::trace,
                   [](log_level, std::string_view, std::string_view) { throw std::bad_alloc(); },
                   [](const std::exception&, const error_context&) { throw 1; }};
  CHECK_NOTHROW(o.log(log_level::info, "c", "m"));
  CHECK_NOTHROW(o.error(std::runtime_error("x"), {.component = "c", .operation = "o"}));
}

TEST_CASE("log levels parse and print", "[observer]") {
  CHECK(ferry::parse_log_level("WARN") == log_level::warning);
  CHECK(ferry::parse_log_level("debug") == log_level::debug);
  CHECK(ferry::parse_log_level("Off") == log_level::off);
  CHECK(ferry::to_string(log_level::warning) == "warning");
  CHECK_THROWS_AS(ferry::parse_log_level("loud"), std::invalid_argument);
}
