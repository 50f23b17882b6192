// ferry::postfix::redis::cached_directory without a server: with Redis unreachable, every
// lookup is the directory's answer, the failure is counted, logged once and named to the
// readiness probe; a directory failure still propagates.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/postfix/redis/cached_directory.hpp"

using ferry::postfix::memory_directory;
using ferry::postfix::redis::cached_directory;

namespace {

// Nothing listens on port 1; short timeouts keep the test fast.
std::shared_ptr<ferry::redis::client> unreachable_redis() {
  return std::make_shared<ferry::redis::client>(
      "redis://127.0.0.1:1?timeout=100ms&connect_timeout=100ms");
}

class broken_directory final : public ferry::postfix::recipient_directory {
 public:
  std::optional<ferry::postfix::recipient_status> lookup(std::string_view) override {
    throw std::runtime_error("database down");
  }
};

}  // namespace

TEST_CASE("cached_directory: Redis down, answers come from the directory", "[postfix][cache]") {
  auto inner = std::make_shared<memory_directory>();
  inner->add_address("known@test.example");
  inner->add_address("off@test.example", false);
  std::vector<std::string> warnings;
  cached_directory cached(
      inner, unreachable_redis(),
      {.observer = ferry::observer(ferry::log_level::info,
                                   [&](ferry::log_level, std::string_view, std::string_view m) {
                                     warnings.emplace_back(m);
                                   })});
  for (int i = 0; i < 3; ++i) {
    const auto known = cached.lookup("known@test.example");
    REQUIRE(known);
    CHECK(known->active);
    CHECK_FALSE(cached.lookup("off@test.example")->active);
    CHECK_FALSE(cached.lookup("nobody@test.example"));
  }
  CHECK_FALSE(cached.lookup_now("known@test.example"));  // no near cache
  cached.forget("Known@Test.example");                   // Redis down: no throw
  CHECK(cached.stats().errors >= 1);
  REQUIRE(warnings.size() == 1);  // at most one line a minute
  CHECK(warnings[0].rfind("Redis cache: ", 0) == 0);
  CHECK(warnings[0].find("; answering from the directory meanwhile") != std::string::npos);
  const auto problem = cached.readiness_problem();
  REQUIRE(problem);
  CHECK(problem->rfind("Redis cache: ", 0) == 0);
}

TEST_CASE("cached_directory: a directory failure propagates", "[postfix][cache]") {
  cached_directory cached(std::make_shared<broken_directory>(), unreachable_redis());
  CHECK_THROWS_WITH(cached.lookup("a@test.example"), "database down");
}

TEST_CASE("cached_directory: refuses what it cannot work with", "[postfix][cache]") {
  CHECK_THROWS_AS(cached_directory(nullptr, unreachable_redis()), std::invalid_argument);
  CHECK_THROWS_AS(cached_directory(std::make_shared<memory_directory>(), nullptr),
                  std::invalid_argument);
  CHECK_THROWS_AS(cached_directory(std::make_shared<memory_directory>(), unreachable_redis(),
                                   {.ok_ttl = std::chrono::seconds(0)}),
                  std::invalid_argument);
}
