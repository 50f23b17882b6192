// ferry/ratelimit/limit_gate.hpp — rate limits that never take a service down with their store:
// named limiters behind one circuit breaker, failing open, answering in whole seconds.
//
// A service that limits senders, clients or API keys on a shared Redis wants the limits while
// Redis answers, and its own work to go on when Redis does not: a limiter failure admits the
// request, and the store is then left alone for a cool-down instead of costing a timeout on
// every request. The gate holds several limiters (one per key kind: "sender", "client") that
// share one circuit_breaker, since they share the store. Each check returns what happened as a
// value; counting and logging stay the caller's.
//
//   ferry::ratelimit::limit_gate gate({.cooldown = std::chrono::seconds(5)});
//   const auto senders = gate.add("sender", std::make_unique<redis_limiter>(redis, opts));
//   const auto r = gate.check(senders, "sender:" + address);
//   if (r.status == gate_status::limited) return defer(r.retry_after);  // >= 1 s
//   if (r.report) log("rate limits: " + std::string(r.limiter) + " check failed (" + r.error +
//   ")");
//
// The rule a reader would get wrong: `failed` and `skipped` answers are admissions, not
// denials (fail-open). A limiter whose own failure_mode already fails open (redis_limiter
// with failure_mode::open) answers `degraded`; the gate treats that as a failure of the store
// too, so the cool-down applies either way. `report` is set on the failure that starts a
// cool-down (the first after a success, or a failed probe after one), so a caller that logs
// only those writes one line per cool-down however many requests fail.
//
// Thread safety: add() before sharing the gate; check() is thread-safe if the limiters are.
// Errors: add() throws std::invalid_argument for a null limiter; the constructor as
// circuit_breaker's (a non-positive cooldown); check() never throws but std::bad_alloc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/core/circuit_breaker.hpp>
#include <ferry/export.hpp>
#include <ferry/ratelimit/rate_limiter.hpp>

namespace ferry::ratelimit {

/// What one gate check found.
enum class gate_status {
  admitted,  ///< Every limit of the limiter admitted the request (and counted it).
  limited,   ///< A limit denied it: `retry_after` says for how long.
  failed,    ///< The limiter could not answer: admitted (fail-open), `error` says why.
  skipped,   ///< The store is cooling down after a failure: admitted without asking.
};

struct gate_answer {
  gate_status status = gate_status::admitted;
  /// The name the limiter was added under.
  std::string_view limiter;
  /// limited: how long until the same request would be admitted, rounded up to whole
  /// seconds, at least 1 s; a request no limit could ever admit (cost over a count): 1 day.
  std::chrono::seconds retry_after{0};
  /// failed: the limiter's error text ("the limiter's store is unavailable" when degraded).
  std::string error;
  /// failed: this failure started a cool-down (report it; later ones are the same outage).
  bool report = false;

  /// Whether the request may go on: everything but `limited`.
  [[nodiscard]] bool admitted() const noexcept { return status != gate_status::limited; }
};

struct limit_gate_options {
  /// How long the store is left alone after a failure (checks are `skipped` meanwhile).
  std::chrono::milliseconds cooldown{std::chrono::seconds(5)};
  /// Monotonic clock of the breaker, for tests; empty: steady_clock.
  std::function<std::chrono::steady_clock::time_point()> clock{};
};

class FERRY_API limit_gate {
 public:
  explicit limit_gate(limit_gate_options options = {});
  ~limit_gate();
  limit_gate(const limit_gate&) = delete;
  limit_gate& operator=(const limit_gate&) = delete;

  /// Adds a limiter under `name` ("sender"); returns the index check() takes.
  std::size_t add(std::string name, std::unique_ptr<rate_limiter> limiter);
  /// How many limiters were added.
  [[nodiscard]] std::size_t size() const noexcept { return limiters_.size(); }

  /// Asks limiter `index` to count `cost` units for `key` (may block: a store round trip),
  /// unless the breaker is open. Throws std::out_of_range for an index add() never returned.
  [[nodiscard]] gate_answer check(std::size_t index, std::string_view key, std::int64_t cost = 1);

  [[nodiscard]] std::chrono::milliseconds cooldown() const noexcept {
    return breaker_.options().cooldown;
  }

 private:
  struct named {
    std::string name;
    std::unique_ptr<rate_limiter> limiter;
  };
  gate_answer failure(gate_answer answer, std::string why, circuit_admission how);

  std::vector<named> limiters_;
  circuit_breaker breaker_;
};

}  // namespace ferry::ratelimit
