// ferry/queue/options.hpp — settings of a reliable queue and of one enqueue.
//
// `queue_options` is fixed per queue handle (retry policy, lease, DLQ retention, key prefix);
// `enqueue_options` is per job (priority, delay, attempts, dedup key). Both are aggregates with
// a default for every field. `queue_options::from_env` reads the deployment's variables:
//
//   MAX_RETRY_ATTEMPTS=3  RETRY_BACKOFF_BASE_SECONDS=60  DLQ_RETENTION_DAYS=7
//
//   auto opts = ferry::queue::queue_options::from_env();   // std::getenv
//   opts.lease = std::chrono::seconds{120};
//
// Thread safety: value types; thread-compatible.
// Errors: from_env throws ferry::error(errc::config) naming a variable that is not a number
// in range; the queue throws std::invalid_argument for out-of-range fields.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "ferry/core/retry_policy.hpp"
#include "ferry/export.hpp"

namespace ferry::queue {

/// Lowest and highest job priority; higher runs first, FIFO within one priority.
inline constexpr int min_priority = -100;
inline constexpr int max_priority = 100;

/// Per-job settings for queue::enqueue.
struct enqueue_options {
  /// In [min_priority, max_priority]; higher is served first.
  int priority = 0;
  /// Run no earlier than now + delay (measured by the Redis server's clock).
  std::optional<std::chrono::milliseconds> delay{};
  /// Run no earlier than this instant; wins over `delay` when both are set.
  std::optional<std::chrono::system_clock::time_point> run_at{};
  /// Total tries for this job; nullopt = the queue's retry.max_attempts.
  std::optional<int> max_attempts{};
  /// While a job with this key is pending (ready, scheduled or in flight), enqueueing another
  /// with the same key does nothing and returns the pending job's id.
  std::optional<std::string> dedup_key{};
};

/// Per-queue settings.
struct FERRY_API queue_options {
  /// Keys are "<prefix>:{<queue name>}:<part>", so one queue lives in one Cluster slot.
  std::string key_prefix = "ferry:queue";
  /// Attempts and backoff between attempts of a failed job (MAX_RETRY_ATTEMPTS,
  /// RETRY_BACKOFF_BASE_SECONDS).
  retry_policy retry{};
  /// How long a reserved job stays invisible to other workers unless extended. A worker that
  /// dies holding a job gives it back after this (stale recovery, counted as an attempt).
  std::chrono::milliseconds lease = std::chrono::minutes(5);
  /// Dead letters older than this are removed by trim_dead() (DLQ_RETENTION_DAYS).
  std::chrono::milliseconds dlq_retention = std::chrono::hours(24 * 7);
  /// Recorded with each lease and dead letter; default "<hostname>:<pid>".
  std::string worker_id{};
  /// Due jobs promoted, or stale jobs recovered, per script call (bounds script run time).
  std::size_t batch = 100;

  /// Defaults overridden by MAX_RETRY_ATTEMPTS, RETRY_BACKOFF_BASE_SECONDS and
  /// DLQ_RETENTION_DAYS as returned by `getenv` (nullptr = unset).
  [[nodiscard]] static queue_options from_env(
      const std::function<const char*(const char*)>& getenv = default_getenv);

  /// std::getenv, as a function object.
  static const char* default_getenv(const char* name);
};

}  // namespace ferry::queue
