// ferry/queue/job.hpp — what a worker holds, what the DLQ keeps, and the queue's counters.
//
// A `job` comes from queue::reserve() and carries a lease token: ack/extend/fail succeed only
// while that lease is still the job's current one. If the lease expired and stale recovery
// handed the job to another worker, the old holder's ack returns false instead of acking
// someone else's delivery — at-least-once, never "acked twice".
//
// Thread safety: value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::queue {

using clock = std::chrono::system_clock;

/// A reserved job. Payload bytes are exactly what was enqueued (binary-safe).
struct job {
  std::string id;
  std::string payload;
  int priority = 0;
  /// Deliveries so far including this one (1 on the first reserve).
  int attempts = 0;
  int max_attempts = 0;
  clock::time_point enqueued_at{};
  /// The lease ends here (server clock) unless extended.
  clock::time_point lease_until{};
  std::optional<std::string> dedup_key;
  /// The error of the previous failed attempt, if any.
  std::optional<std::string> last_error;
  /// Identifies this delivery; checked by ack/extend/fail.
  std::string lease_token;
};

/// What queue::fail() did with the job.
enum class fail_outcome {
  retry_scheduled,  ///< Back in the queue at `retry_at`.
  dead_lettered,    ///< Attempts exhausted (or fail_permanently): moved to the DLQ.
  lease_lost,       ///< The lease was no longer ours (expired and recovered, or acked).
};

struct fail_result {
  fail_outcome outcome = fail_outcome::lease_lost;
  /// When the retry becomes due (retry_scheduled only).
  std::optional<clock::time_point> retry_at;
};

/// What queue::ack_and_reserve() did in its one round trip.
struct batch_result {
  /// Jobs of `done` that were acked (still ours).
  std::size_t acked = 0;
  /// Newly leased jobs, in queue order (priority, then FIFO).
  std::vector<job> jobs;
};

/// One DLQ entry with the metadata of its last failure.
struct dead_letter {
  std::string id;
  std::string payload;
  std::string queue;
  std::string error;
  /// Worker that held the last attempt ("" when unknown).
  std::string worker;
  int attempts = 0;
  int max_attempts = 0;
  int priority = 0;
  clock::time_point enqueued_at{};
  clock::time_point first_failure{};
  clock::time_point last_failure{};
  clock::time_point dead_at{};
  std::optional<std::string> dedup_key;
};

/// A snapshot taken by one atomic script.
struct queue_stats {
  std::int64_t ready = 0;      ///< Waiting to be reserved.
  std::int64_t in_flight = 0;  ///< Reserved, lease not yet given back.
  std::int64_t scheduled = 0;  ///< Delayed or waiting for a retry.
  std::int64_t dead = 0;       ///< In the DLQ.
  std::int64_t enqueued = 0;   ///< Counters since the queue was created (or reset_counters).
  std::int64_t processed = 0;  ///< Acked.
  std::int64_t failed = 0;     ///< fail() calls plus expired leases.
  std::int64_t retried = 0;    ///< Failures scheduled for another attempt.
  std::int64_t recovered = 0;  ///< Expired leases put back (stale recovery).
  std::int64_t dead_lettered = 0;
};

}  // namespace ferry::queue
