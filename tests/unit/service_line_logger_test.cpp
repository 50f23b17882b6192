// ferry::service::line_logger: the line format, the level filter, the sink, and the observer it
// hands to components.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ferry/service/line_logger.hpp"

using ferry::log_level;
using ferry::service::line_logger;
using namespace std::chrono_literals;

namespace {

struct captured {
  std::vector<std::pair<log_level, std::string>> lines;
  line_logger::sink sink() {
    return [this](log_level l, std::string_view m) { lines.emplace_back(l, std::string(m)); };
  }
};

}  // namespace

TEST_CASE("line_logger formats UTC time to the millisecond, level, message",
          "[service][line_logger]") {
  // 2026-11-22T17:00:00Z is 1795366800 s after the epoch.
  const auto t = std::chrono::system_clock::time_point(1795366800s) + 123ms + 999us;
  CHECK(line_logger::format(t, log_level::info, "policy_server: listening on 127.0.0.1:1") ==
        "2026-11-22T17:00:00.123Z info policy_server: listening on 127.0.0.1:1");
  CHECK(line_logger::format(t + 877ms, log_level::warning, "") ==
        "2026-11-22T17:00:01.000Z warning ");
  CHECK(line_logger::format(std::chrono::system_clock::time_point{}, log_level::error, "x") ==
        "1970-01-01T00:00:00.000Z error x");
}

TEST_CASE("line_logger writes what passes its level to the sink", "[service][line_logger]") {
  captured out;
  line_logger log(log_level::info, out.sink());
  CHECK_FALSE(log.enabled(log_level::debug));
  CHECK(log.enabled(log_level::info));
  CHECK_FALSE(log.enabled(log_level::off));
  log.debug("hidden");
  log.info("shown");
  log.warning("careful");
  log.error("broken");
  REQUIRE(out.lines.size() == 3);
  CHECK(out.lines[0] == std::pair{log_level::info, std::string("shown")});
  CHECK(out.lines[2].first == log_level::error);

  log.set_level(log_level::off);
  CHECK(log.level() == log_level::off);
  log.error("silenced");
  CHECK(out.lines.size() == 3);
  log.set_level(log_level::debug);
  log.debug("now shown");
  CHECK(out.lines.back().second == "now shown");
}

TEST_CASE("line_logger's observer writes component-prefixed lines", "[service][line_logger]") {
  captured out;
  line_logger log(log_level::info, out.sink());
  const auto obs = log.observer();
  CHECK(obs.enabled(log_level::info));
  CHECK_FALSE(obs.enabled(log_level::debug));
  obs.log(log_level::warning, "queue.worker", "handler failed");
  obs.log(log_level::info, "", "no component");
  obs.log(log_level::debug, "queue.worker", "hidden");
  REQUIRE(out.lines.size() == 2);
  CHECK(out.lines[0].second == "queue.worker: handler failed");
  CHECK(out.lines[1].second == "no component");
  // Raising the logger's level later also quiets the observer's lines.
  log.set_level(log_level::error);
  obs.log(log_level::warning, "queue.worker", "hidden too");
  CHECK(out.lines.size() == 2);
}

TEST_CASE("line_logger survives a throwing sink and keeps lines whole across threads",
          "[service][line_logger]") {
  line_logger throwing(log_level::info,
                       [](log_level, std::string_view) { throw std::runtime_error("disk full"); });
  CHECK_NOTHROW(throwing.info("x"));

  captured out;
  line_logger log(log_level::info, out.sink());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 200; ++i) log.info("thread " + std::to_string(t));
    });
  }
  for (auto& th : threads) th.join();
  CHECK(out.lines.size() == 800);  // the sink ran under the mutex: no line lost
}
