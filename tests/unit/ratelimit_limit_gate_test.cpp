// ferry::ratelimit::limit_gate: limits enforced while the limiter answers, fail-open with one
// report per cool-down when it does not, retry hints in whole seconds.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/ratelimit/limit_gate.hpp"
#include "ferry/ratelimit/local_limiter.hpp"

using namespace std::chrono_literals;
namespace rl = ferry::ratelimit;
using rl::gate_status;

namespace {

struct fake_clock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::hours(1000));
  [[nodiscard]] auto fn() const {
    return [now = now] { return *now; };
  }
};

// A limiter whose store can be switched off: then it throws, or answers degraded.
class flaky_limiter final : public rl::rate_limiter {
 public:
  enum class mode { works, throws, degraded };
  explicit flaky_limiter(std::shared_ptr<std::atomic<mode>> m, fake_clock clock)
      : mode_(std::move(m)), inner_({.limits = {{2, 10s}}, .clock = clock.fn()}) {}

  rl::rate_decision acquire(std::string_view key, std::int64_t cost) override {
    ++calls;
    switch (mode_->load()) {
      case mode::throws: throw std::runtime_error("Redis: timed out");
      case mode::degraded: return rl::rate_decision{.allowed = true, .degraded = true};
      case mode::works: break;
    }
    return inner_.acquire(key, cost);
  }
  [[nodiscard]] std::span<const rl::rate_limit> limits() const noexcept override {
    return inner_.limits();
  }
  static inline std::atomic<int> calls{0};

 private:
  std::shared_ptr<std::atomic<mode>> mode_;
  rl::local_limiter inner_;
};

}  // namespace

TEST_CASE("limit_gate enforces each limiter on its own keys", "[ratelimit][limit_gate]") {
  fake_clock clock;
  rl::limit_gate gate({.cooldown = 5s, .clock = clock.fn()});
  const auto sender =
      gate.add("sender", std::make_unique<rl::local_limiter>(
                             rl::local_limiter_options{.limits = {{1, 60s}}, .clock = clock.fn()}));
  const auto client =
      gate.add("client", std::make_unique<rl::local_limiter>(rl::local_limiter_options{
                             .limits = {{2, 1500ms}, {3, 1h}}, .clock = clock.fn()}));
  CHECK(gate.size() == 2);
  CHECK(gate.check(sender, "a").status == gate_status::admitted);
  const auto denied = gate.check(sender, "a");
  CHECK(denied.status == gate_status::limited);
  CHECK_FALSE(denied.admitted());
  CHECK(denied.limiter == "sender");
  CHECK(denied.retry_after == 60s);
  CHECK(gate.check(sender, "b").admitted());  // another key has its own quota

  // Every limit of a list on one key; the hint is rounded up to whole seconds.
  CHECK(gate.check(client, "ip").admitted());
  CHECK(gate.check(client, "ip").admitted());
  const auto over = gate.check(client, "ip");
  CHECK(over.status == gate_status::limited);
  CHECK(over.limiter == "client");
  CHECK(over.retry_after == 2s);  // 1.5 s
  *clock.now += 1500ms;
  CHECK(gate.check(client, "ip").admitted());
  const auto daily = gate.check(client, "ip");
  CHECK(daily.status == gate_status::limited);
  CHECK(daily.retry_after > 3500s);
}

TEST_CASE("limit_gate: a cost no limit can admit waits a day, never 0 s",
          "[ratelimit][limit_gate]") {
  rl::limit_gate gate;
  const auto i = gate.add(
      "api", std::make_unique<rl::local_limiter>(rl::local_limiter_options{.limits = {{2, 10s}}}));
  const auto r = gate.check(i, "k", 5);
  CHECK(r.status == gate_status::limited);
  CHECK(r.retry_after == 86400s);
}

TEST_CASE("limit_gate fails open, reports once per cool-down and recovers",
          "[ratelimit][limit_gate]") {
  using mode = flaky_limiter::mode;
  fake_clock clock;
  const auto store = std::make_shared<std::atomic<mode>>(mode::works);
  rl::limit_gate gate({.cooldown = 5s, .clock = clock.fn()});
  const auto sender = gate.add("sender", std::make_unique<flaky_limiter>(store, clock));
  const auto client = gate.add("client", std::make_unique<flaky_limiter>(store, clock));
  CHECK(gate.cooldown() == 5s);

  const auto failing = GENERATE(mode::throws, mode::degraded);
  store->store(failing);
  const auto first = gate.check(sender, "a");
  CHECK(first.status == gate_status::failed);
  CHECK(first.admitted());
  CHECK(first.report);
  CHECK(first.limiter == "sender");
  CHECK(first.error ==
        (failing == mode::throws ? "Redis: timed out" : "the limiter's store is unavailable"));
  // The store is left alone for the cool-down, for every limiter of the gate.
  flaky_limiter::calls = 0;
  CHECK(gate.check(client, "ip").status == gate_status::skipped);
  *clock.now += 4999ms;
  CHECK(gate.check(sender, "a").status == gate_status::skipped);
  CHECK(flaky_limiter::calls == 0);

  // After it, one probe asks; its failure starts the next cool-down and is reported again.
  *clock.now += 1ms;
  const auto probe = gate.check(sender, "a");
  CHECK(probe.status == gate_status::failed);
  CHECK(probe.report);
  CHECK(flaky_limiter::calls == 1);
  CHECK(gate.check(sender, "a").status == gate_status::skipped);

  // The store is back: the next probe succeeds and the limits apply again.
  store->store(mode::works);
  *clock.now += 5s;
  CHECK(gate.check(sender, "a").status == gate_status::admitted);
  CHECK(gate.check(sender, "a").status == gate_status::admitted);
  CHECK(gate.check(sender, "a").status == gate_status::limited);
  // A failure after a success is a new outage: reported.
  store->store(failing);
  CHECK(gate.check(client, "ip").report);
}

TEST_CASE("limit_gate refuses a null limiter and an unknown index", "[ratelimit][limit_gate]") {
  rl::limit_gate gate;
  CHECK_THROWS_AS(gate.add("x", nullptr), std::invalid_argument);
  CHECK_THROWS_AS((void)gate.check(0, "k"), std::out_of_range);
  CHECK_THROWS_AS(rl::limit_gate({.cooldown = 0ms}), std::invalid_argument);
}
