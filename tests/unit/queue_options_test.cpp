#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "ferry/core/error.hpp"
#include "ferry/queue/options.hpp"

using namespace std::chrono_literals;

namespace {
auto env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

TEST_CASE("queue_options::from_env reads the documented variables", "[queue]") {
  const auto o = ferry::queue::queue_options::from_env(env_of({{"MAX_RETRY_ATTEMPTS", "5"},
                                                               {"RETRY_BACKOFF_BASE_SECONDS", "30"},
                                                               {"DLQ_RETENTION_DAYS", "2"}}));
  CHECK(o.retry.max_attempts == 5);
  CHECK(o.retry.base == 30s);
  CHECK(o.dlq_retention == 48h);
}

TEST_CASE("queue_options::from_env keeps defaults when unset: 3 attempts, 60 s, 7 days",
          "[queue]") {
  const auto o = ferry::queue::queue_options::from_env(env_of({}));
  CHECK(o.retry.max_attempts == 3);
  CHECK(o.retry.base == 60s);
  CHECK(o.dlq_retention == 24h * 7);
}

TEST_CASE("queue_options::from_env rejects bad numbers with errc::config", "[queue]") {
  for (const char* bad : {"abc", "-1", "0", "3x", "99999999999999999999"}) {
    try {
      (void)ferry::queue::queue_options::from_env(env_of({{"MAX_RETRY_ATTEMPTS", bad}}));
      FAIL("accepted " << bad);
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::config);
      CHECK(std::string(e.what()).find("MAX_RETRY_ATTEMPTS") != std::string::npos);
    }
  }
  CHECK(ferry::queue::queue_options::from_env(env_of({{"RETRY_BACKOFF_BASE_SECONDS", "7200"}}))
            .retry.cap == 2h);  // cap follows a base above the default cap
}
