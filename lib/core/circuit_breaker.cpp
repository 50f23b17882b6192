#include "ferry/core/circuit_breaker.hpp"

#include <stdexcept>
#include <utility>

namespace ferry {

namespace {
using steady = std::chrono::steady_clock;
}  // namespace

circuit_breaker::circuit_breaker(circuit_breaker_options options) : opts_(std::move(options)) {
  if (opts_.cooldown.count() <= 0) {
    throw std::invalid_argument("circuit_breaker cooldown must be positive");
  }
  if (opts_.failure_threshold == 0) {
    throw std::invalid_argument("circuit_breaker failure_threshold must be at least 1");
  }
}

std::int64_t circuit_breaker::now_ticks() const {
  const auto t = (opts_.clock ? opts_.clock() : steady::now()).time_since_epoch().count();
  return t == 0 ? 1 : static_cast<std::int64_t>(t);  // 0 means "closed"
}

bool circuit_breaker::allow() {
  return admit() != circuit_admission::refused;
}

circuit_admission circuit_breaker::admit() {
  const auto until = open_until_.load(std::memory_order_acquire);
  if (until == 0) return circuit_admission::admitted;
  if (now_ticks() < until) return circuit_admission::refused;
  // Cool-down over: exactly one caller probes; the rest keep being refused until it reports.
  bool expected = false;
  return probing_.compare_exchange_strong(expected, true) ? circuit_admission::probe
                                                          : circuit_admission::refused;
}

void circuit_breaker::record_success() noexcept {
  // Only touch the shared atomics when there is something to reset: this runs after every
  // successful call, and unconditional stores would bounce the cache line between threads.
  if (failures_.load(std::memory_order_relaxed) != 0) failures_.store(0);
  if (open_until_.load(std::memory_order_relaxed) != 0) open_until_.store(0);
  if (probing_.load(std::memory_order_relaxed)) probing_.store(false);
}

bool circuit_breaker::record_failure() {
  const bool closed = open_until_.load(std::memory_order_acquire) == 0;
  if (closed && opts_.failure_threshold > 1 && ++failures_ < opts_.failure_threshold) {
    return false;
  }
  const auto until =
      now_ticks() + std::chrono::duration_cast<steady::duration>(opts_.cooldown).count();
  // A failure while open (a call that started before the trip, or the probe) restarts the
  // cool-down; only the one that finds the circuit closed is a trip.
  const bool tripped = open_until_.exchange(until) == 0;
  if (tripped) trips_.fetch_add(1, std::memory_order_relaxed);
  failures_.store(0);
  probing_.store(false);
  return tripped;
}

void circuit_breaker::record_neutral() noexcept {
  if (probing_.load(std::memory_order_relaxed)) probing_.store(false);
}

circuit_state circuit_breaker::state() const {
  const auto until = open_until_.load(std::memory_order_acquire);
  if (until == 0) return circuit_state::closed;
  return now_ticks() < until ? circuit_state::open : circuit_state::half_open;
}

}  // namespace ferry
