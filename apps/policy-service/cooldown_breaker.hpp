// cooldown_breaker.hpp — the rate gate's circuit breaker: after a limiter failure, leave the
// store alone for a cool-down.
//
// A failing Redis would otherwise be asked (and time out) on every accepted recipient. After
// a failure the breaker is open for `cooldown`; while it is open the caller skips the store
// (and admits: the gate fails open). Only the failure that opens it reports `true`, so the
// caller logs once per cool-down.
//
//   cooldown_breaker breaker(std::chrono::seconds(5));
//   if (breaker.is_open()) return admit();
//   if (breaker.trip()) log.warning("...admitting without limits for 5000 ms");
//
// Thread safety: thread-safe (one atomic). Errors: none.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ferry::apps::policy {

class cooldown_breaker {
 public:
  using clock = std::chrono::steady_clock;

  explicit cooldown_breaker(std::chrono::milliseconds cooldown) : cooldown_(cooldown) {}

  /// True while a cool-down runs: do not ask the store.
  [[nodiscard]] bool is_open(clock::time_point now = clock::now()) const noexcept {
    return now.time_since_epoch().count() < open_until_.load(std::memory_order_relaxed);
  }

  /// Starts (or extends) a cool-down after a failure; true when none was running, i.e. this
  /// failure is the one to report.
  bool trip(clock::time_point now = clock::now()) noexcept {
    const auto until = (now + cooldown_).time_since_epoch().count();
    return open_until_.exchange(until) <= now.time_since_epoch().count();
  }

  [[nodiscard]] std::chrono::milliseconds cooldown() const noexcept { return cooldown_; }

 private:
  std::chrono::milliseconds cooldown_;
  std::atomic<clock::rep> open_until_{0};  // steady ticks; 0: closed
};

}  // namespace ferry::apps::policy
