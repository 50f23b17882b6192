// ferry/queue/scheduler.hpp — the background side of reliable queues: promote due jobs,
// recover expired leases, trim the DLQ.
//
// Workers blocked in queue::reserve() already promote and recover on their own, so a
// scheduler is needed for queues nobody is currently waiting on (delayed jobs should still
// move to ready, so stats and admin views are right) and for DLQ retention. It sleeps until
// the earliest `next_due()` of its queues, capped at `max_sleep` (the seeds' retry worker
// polled every 10 s; this one only wakes that often when nothing is due sooner).
//
//   ferry::queue::scheduler sched{{&emails, &reports}};
//   sched.start();      // background thread; stop() or the destructor ends it
//
// Thread safety: thread-safe; start/stop from any thread. The queues must outlive it.
// Errors: run_once() throws like the queue; the background thread reports errors to
// `on_error` and retries after `error_backoff`.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

namespace ferry::queue {

class queue;

struct scheduler_options {
  /// Longest sleep between passes, even when nothing is due.
  std::chrono::milliseconds max_sleep = std::chrono::seconds(10);
  /// Sleep after a failed pass (Redis unreachable ...).
  std::chrono::milliseconds error_backoff = std::chrono::seconds(1);
  /// Called from the background thread with each error; never called concurrently.
  std::function<void(const std::exception&)> on_error{};
};

/// What one pass did, summed over the queues.
struct maintenance_report {
  std::size_t promoted = 0;
  std::size_t recovered = 0;
  std::size_t trimmed = 0;
};

class scheduler {
 public:
  explicit scheduler(std::vector<queue*> queues, scheduler_options options = {});
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  /// One pass over every queue, in the calling thread.
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
