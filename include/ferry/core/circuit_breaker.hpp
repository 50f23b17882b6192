// ferry/core/circuit_breaker.hpp — stop calling a failing dependency for a while, then let one
// call find out whether it is back.
//
// Wrap each call to a remote dependency (Redis, a database, an HTTP service): ask allow()
// first, then report how the call went. After `failure_threshold` failures in a row the
// circuit opens and allow() says no for `cooldown`, so a dead or hung server costs one timeout
// per cool-down instead of one per call. When the cool-down is over the circuit is half-open:
// exactly one caller is let through to probe; its success closes the circuit, its failure
// opens it for another cool-down, and everyone else keeps being refused until it reports.
//
//   ferry::circuit_breaker breaker{{.cooldown = std::chrono::seconds{5}}};
//   if (!breaker.allow()) return fallback();           // open: do not even try
//   try { auto r = call(); breaker.record_success(); return r; }
//   catch (const ferry::error& e) { breaker.record_failure(); return fallback(); }
//
// The rule a reader would otherwise get wrong: a caller that allow() let through MUST report
// (record_success, record_failure or record_neutral), also when it leaves by an exception that
// says nothing about the dependency; otherwise a half-open circuit keeps waiting for its probe
// and refuses every caller until a later call reports. Which failures count is the caller's
// choice: an error reply means the server answered (record_success), local contention says
// nothing about it (record_neutral).
//
// A caller that treats the probe apart (say, to log again when a probe fails and a new
// cool-down starts) asks admit() instead of allow(): it says which way the call was let in.
//
// A closed circuit costs one atomic load per allow() and reads no clock, so it can sit on a
// hot path.
//
// Thread safety: thread-safe (lock-free); share one breaker per dependency.
// Errors: the constructor throws std::invalid_argument for a non-positive cooldown or a zero
// failure_threshold; nothing else throws except an injected clock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "ferry/export.hpp"

namespace ferry {

/// Where a circuit_breaker stands: calls pass (closed), are refused (open), or one probe may
/// pass (half_open: the cool-down is over).
enum class circuit_state { closed, open, half_open };

/// How admit() answered: refused (open, or another caller holds the probe), admitted because
/// the circuit is closed, or admitted as the one probe of a half-open circuit.
enum class circuit_admission { refused, admitted, probe };

struct circuit_breaker_options {
  /// How long an open circuit refuses calls before it lets one probe through. Must be > 0.
  std::chrono::milliseconds cooldown{std::chrono::seconds{5}};
  /// Failures in a row (no success between them) that open a closed circuit. Must be >= 1.
  std::uint32_t failure_threshold = 1;
  /// Monotonic clock; tests inject a fake one. Empty = std::chrono::steady_clock. Read only
  /// while the circuit is open and on failures; called from any thread: must be thread-safe.
  std::function<std::chrono::steady_clock::time_point()> clock{};
};

class FERRY_API circuit_breaker {
 public:
  explicit circuit_breaker(circuit_breaker_options options = {});
  circuit_breaker(const circuit_breaker&) = delete;
  circuit_breaker& operator=(const circuit_breaker&) = delete;

  /// Whether to make the call: always when closed, never when open; when half-open, true for
  /// exactly one caller (the probe) until it reports.
  [[nodiscard]] bool allow();
  /// allow(), saying whether the caller is the probe. A probe's failure opens the circuit
  /// again without being a trip (record_failure returns false): the caller that wants to
  /// report every new cool-down reports when its probe fails.
  [[nodiscard]] circuit_admission admit();
  /// The call worked (or the dependency answered): closes the circuit, clears the failure run.
  void record_success() noexcept;
  /// The call failed because of the dependency. Counts towards the threshold; at it, or for
  /// a probe, (re)opens the circuit for `cooldown` from now. True when this failure opened a
  /// closed circuit (a trip: log it once), false otherwise.
  bool record_failure();
  /// The call ended in a way that says nothing about the dependency: the circuit stays as it
  /// is, and a probe's turn passes to the next caller.
  void record_neutral() noexcept;

  /// The state now (reads the clock when the circuit is not closed).
  [[nodiscard]] circuit_state state() const;
  /// Times the circuit went from closed to open.
  [[nodiscard]] std::uint64_t trips() const noexcept {
    return trips_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] const circuit_breaker_options& options() const noexcept { return opts_; }

 private:
  [[nodiscard]] std::int64_t now_ticks() const;

  circuit_breaker_options opts_;
  // steady_clock ticks until which the circuit is open; 0 = closed.
  std::atomic<std::int64_t> open_until_{0};
  std::atomic<bool> probing_{false};
  std::atomic<std::uint32_t> failures_{0};  // the current run, below the threshold
  std::atomic<std::uint64_t> trips_{0};
};

}  // namespace ferry
