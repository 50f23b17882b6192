// ferry/queue/scheduler.hpp — the background side of reliable queues: promote due jobs,
// recover expired leases, trim the DLQ.
//
// Workers blocked in queue::reserve() already promote and recover on their own, so a
// scheduler is needed for queues nobody is currently waiting on (delayed jobs should still
// move to ready, so stats and admin views are right) and for DLQ retention.
//
// It does not poll: after each pass it blocks (BLPOP on the queues' wake_key() lists) until
// the earliest due time of its queues, measured on the Redis server's clock, capped at
// `max_sleep` (a polling retry worker wakes every 10 s; this one only waits that long when
// nothing is due sooner). Scheduling a job for later (a delayed enqueue, a retry after fail)
// pushes to the wake list, so a retry due in 1 s is promoted after 1 s even if the scheduler
// had planned to sleep 10 s. Lease ends do not push: a stale job is recovered at its lease end
// or up to `max_sleep` later.
//
// Several schedulers (threads or processes) may serve the same queues: every promotion,
// recovery and trim is one atomic Lua script, so each due job is promoted exactly once.
//
//   ferry::queue::scheduler sched{{&emails, &reports}};
//   sched.start();      // background thread; stop() or the destructor ends it
//
// Or let it find the queues itself: every queue ever used under a key prefix (known_queues),
// looked up again every `discovery_interval`, so a queue first used after start is served too.
//
//   ferry::queue::scheduler all{redis, queue_options{}, {.discovery_interval = 1min}};
//
// The rule a reader would otherwise get wrong: while running, the scheduler holds one pooled
// connection of the queues' client for its blocking wait (and stop() borrows another briefly to
// send CLIENT UNBLOCK), so the pool needs room for it. All queues must share one client.
//
// Thread safety: thread-safe; start/stop from any thread. The queues must outlive it.
// Errors: run_once() throws like the queue; the background thread reports errors to
// the `observer` and retries after `error_backoff`. The constructor throws std::invalid_argument
// for a null queue, queues on different clients, a non-positive max_sleep or a negative
// discovery_interval.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"
#include "ferry/queue/options.hpp"

namespace ferry::redis {
class client;
}

namespace ferry::queue {

class queue;

/// What one pass did, summed over the queues.
struct maintenance_report {
  std::size_t promoted = 0;
  std::size_t recovered = 0;
  std::size_t trimmed = 0;
  /// How long the scheduler will sleep after this pass (min of next due time and max_sleep).
  std::chrono::milliseconds next_sleep{0};
};

struct scheduler_options {
  /// Longest sleep between passes, even when nothing is due.
  std::chrono::milliseconds max_sleep = std::chrono::seconds(10);
  /// Sleep after a failed pass (Redis unreachable ...).
  std::chrono::milliseconds error_backoff = std::chrono::seconds(1);
  /// Told each failed pass (component "queue.scheduler", operation "pass"), from the
  /// background thread.
  ferry::observer observer{};
  /// Called from the background thread after each successful pass (e.g. to feed metrics).
  std::function<void(const maintenance_report&)> on_pass{};
  /// Discovering scheduler only: how often the known queues are listed again (0: every pass).
  std::chrono::milliseconds discovery_interval = std::chrono::seconds(60);
  /// Discovering scheduler only: told the queue names served whenever they change (the first
  /// listing included), from the thread running the pass.
  std::function<void(const std::vector<std::string>&)> on_discover{};
};

class FERRY_API scheduler {
 public:
  explicit scheduler(std::vector<queue*> queues, scheduler_options options = {});
  /// Serves every queue known under `queues.key_prefix` (known_queues), opened with `queues`
  /// on `client`, which must outlive the scheduler. The list is read at the first pass and
  /// again at the first pass after each `discovery_interval`.
  scheduler(redis::client& client, queue_options queues, scheduler_options options = {});
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  /// One pass over every queue, in the calling thread (promote, recover, trim, next due).
  maintenance_report run_once();
  /// Starts the background thread (no-op if running).
  void start();
  /// Stops and joins it (no-op if not running).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::queue
