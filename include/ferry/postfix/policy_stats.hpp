// ferry/postfix/policy_stats.hpp — what a policy_server did, counted: answers by the
// application's decision kind, the time each answer took, and the server's events
// (connections, timeouts, protocol errors), for a service's metrics endpoint.
//
// The server only reports (policy_handler's on_answer and on_event); policy_stats keeps the
// counts. attach() adds the recording to a handler's hooks, keeping the ones it has.
//
//   ferry::postfix::policy_stats stats(verdict_count);  // kinds 0 .. verdict_count - 1
//   ferry::postfix::policy_handler handler{.decide = policy.decider()};
//   stats.attach(handler);
//   ferry::postfix::policy_server server(options, std::move(handler));
//   ...
//   stats.answers(accept_kind);  stats.latency().buckets;  stats.open_connections();
//
// The one behaviour to know: latency is measured by the server from a request's last byte to
// its answer (queueing, the decision and a timeout included), in microseconds; an answer
// whose kind is not below `kinds` is counted in the latency histogram only.
//
// Thread safety: thread-safe (relaxed atomics); the stats must outlive the server they are
// attached to. Errors: the constructor throws std::invalid_argument for no kinds or bad
// latency bounds (see ferry/core/histogram.hpp).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <ferry/core/histogram.hpp>
#include <ferry/export.hpp>
#include <ferry/postfix/policy_server.hpp>

namespace ferry::postfix {

class FERRY_API policy_stats {
 public:
  /// Latency bucket bounds in microseconds, 50 µs to 1 s: a cached answer takes tens of µs,
  /// a database lookup milliseconds, a timed-out one decision_timeout (1 s by default).
  [[nodiscard]] static std::vector<std::uint64_t> default_latency_bounds_us();

  explicit policy_stats(std::size_t kinds,
                        std::vector<std::uint64_t> latency_bounds_us = default_latency_bounds_us());

  /// Counts one answer: its kind and its latency.
  void record(const answered& a) noexcept;
  /// Counts one server event (connection_opened/closed also move open_connections()).
  void record(server_event e) noexcept;
  /// Makes `handler`'s on_answer and on_event record here first, then call what they called.
  void attach(policy_handler& handler);

  /// Answers of `kind` (0 for a kind not below `kinds`).
  [[nodiscard]] std::uint64_t answers(std::size_t kind) const noexcept;
  /// Times `e` happened.
  [[nodiscard]] std::uint64_t events(server_event e) const noexcept;
  /// connection_opened minus connection_closed.
  [[nodiscard]] std::uint64_t open_connections() const noexcept;
  /// The answers' latency in microseconds, cumulative per bucket.
  [[nodiscard]] histogram::snapshot latency() const { return latency_.read(); }

 private:
  static constexpr std::size_t event_count = 7;  // server_event's values

  std::unique_ptr<std::atomic<std::uint64_t>[]> answers_;
  std::size_t kinds_;
  std::array<std::atomic<std::uint64_t>, event_count> events_{};
  histogram latency_;
};

}  // namespace ferry::postfix
