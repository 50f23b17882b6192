// ferry/queue/worker.hpp — a worker runtime for a reliable queue: N handler threads fed by one
// fetch loop that acks finished jobs and leases new ones in the same round trip.
//
// Use it instead of hand-rolling reserve()/ack() loops (it is ferry's counterpart of BullMQ's
// Worker or a Sidekiq process). It is ferry's worker_runtime (core/worker_runtime.hpp) with
// the queue as its source: one background thread (the "pump") keeps up to
// concurrency + prefetch jobs leased: each of its round trips is ONE script call that acks the
// jobs finished since the last one and leases as many new ones as there are free places
// (queue::ack_and_reserve). At high rates one round trip therefore carries many jobs, which
// is where its throughput comes from; when the queue is empty it blocks (no polling).
//
//   ferry::queue::worker w{emails, [](const ferry::queue::job& j) { send(j.payload); },
//                          {.concurrency = 8}};
//   w.start();
//   ...
//   w.stop();   // finishes the jobs already leased, acks them, joins the threads
//
// The rule a reader would otherwise get wrong: delivery stays at-least-once. A handler that
// returns normally has its job acked (a little later, batched with others); one that throws
// fails the job (retry policy, then DLQ); `permanent_failure` sends it to the DLQ at once. If
// the process dies, every leased job — running or prefetched — comes back through stale
// recovery after its lease, so keep `prefetch` small when jobs are slow. Leases of held jobs
// are extended while they wait or run.
//
// Thread safety: start/stop/stats from any thread; the handler runs on `concurrency` threads
// at once and must be thread-safe. The queue (and its client) must outlive the worker.
// Errors: the constructor throws std::invalid_argument for concurrency 0 or an empty
// handler; Redis errors in the loop go to the observer's error hook (component "queue.worker",
// operation "fetch" or "upkeep") and are retried after `error_backoff`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "ferry/core/delivery.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"
#include "ferry/queue/job.hpp"

namespace ferry::queue {

class queue;

/// Thrown by a handler to dead-letter its job at once (fail_permanently) instead of retrying.
using permanent_failure = ferry::permanent_failure;

struct worker_options {
  /// Handler threads: jobs that run at the same time (BullMQ's `concurrency`).
  std::size_t concurrency = 1;
  /// Leased jobs held ready beyond the running ones, so a handler never waits for a round
  /// trip. Their leases run (and are extended) while they wait.
  std::size_t prefetch = 16;
  /// Lease per job; nullopt = the queue's options().lease.
  std::optional<std::chrono::milliseconds> lease{};
  /// With nothing held, how long one blocking wait for new jobs lasts (also bounds how long
  /// stop() may take to notice).
  std::chrono::milliseconds idle_wait = std::chrono::seconds(1);
  /// While jobs run but nothing is ready in Redis, the longest a finished job waits for its
  /// ack (the pump blocks for new jobs in slices of this length).
  std::chrono::milliseconds max_ack_delay = std::chrono::milliseconds(50);
  /// Pause after a Redis error in the loop before trying again.
  std::chrono::milliseconds error_backoff = std::chrono::milliseconds(200);
  /// Called (on a handler thread) when a handler threw; the job was failed already.
  std::function<void(const job&, std::string_view error)> on_failure{};
  /// Told (on the pump or a handler thread) each Redis error the loop survived.
  ferry::observer observer{};
};

/// Counters since the worker was made (they add up over start/stop cycles); a snapshot.
struct worker_stats {
  std::uint64_t leased = 0;       ///< Jobs leased (reserve side).
  std::uint64_t acked = 0;        ///< Handler returned and the ack found the lease ours.
  std::uint64_t failed = 0;       ///< Handler threw (job failed or dead-lettered).
  std::uint64_t lease_lost = 0;   ///< Acks or extensions that found the lease gone.
  std::uint64_t round_trips = 0;  ///< ack+reserve script calls of the pump.
  std::uint64_t errors = 0;       ///< Redis errors survived.
};

class FERRY_API worker {
 public:
  /// Called once per delivery; return normally = done (acked), throw = failed.
  using handler = std::function<void(const job&)>;

  /// Does not start: call start(). `q` must outlive the worker.
  worker(queue& q, handler h, worker_options options = {});
  /// The same with a handler that returns its outcome (core/delivery.hpp): outcome::retry
  /// fails the job (the queue's retry policy sets the delay), outcome::dead_letter moves it to
  /// the DLQ at once. `delivery::native` is the queue::job without its payload.
  worker(queue& q, delivery_handler h, worker_options options = {});
  /// stop().
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  /// Starts the pump and the handler threads. No-op if running.
  void start();
  /// Stops leasing, lets the handlers finish every job already leased, acks them and joins.
  /// Waits up to about idle_wait for a blocking fetch to return. No-op if not running.
  void stop();
  [[nodiscard]] bool running() const noexcept;
  [[nodiscard]] worker_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::queue
