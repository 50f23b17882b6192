// The worker's parts, each with its own lock over one thing: the hand-over of tasks between
// the consumer thread and the handler threads (handoff), the results and late acks waiting to
// be written (result_finisher), the running tasks' time limits (time_limit_watch).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ferry/celery/broker.hpp"
#include "ferry/celery/result_backend.hpp"
#include "ferry/celery/task_semantics.hpp"
#include "ferry/celery/worker.hpp"

namespace ferry::celery::detail {

/// The worker's log callback; never throws (a throwing callback is ignored).
struct worker_log {
  ferry::observer to;
  void operator()(log_level l, const std::string& text) const noexcept {
    to.log(l, "celery.worker", text);
  }
};

/// One task on its way through the worker.
struct job {
  task_request request;
  std::string delivery_tag;
  task_origin origin;
  task_handler* handler = nullptr;
  std::vector<task_result> results;  // written by the finisher once the task is done
  bool ack_after_results = false;    // acks_late: the finisher acks after writing them
};

/// Tasks handed from the consumer thread to the handler threads, and the early acks those
/// threads queue as they take a task (in the same step, so the consumer never misses one when
/// it decides how long to block). The lock guards exactly this hand-over state.
class handoff {
 public:
  handoff(std::size_t prefetch, bool acks_late) : prefetch_(prefetch), acks_late_(acks_late) {}

  /// Consumer: a task ready to run.
  void push(job j);
  /// Handler thread: the next task, queuing its early ack when `queue_early_ack`; nullopt once
  /// shut down and empty. `refill` says the waiting tasks ran out (the consumer should fetch).
  std::optional<job> take(bool queue_early_ack, bool& refill);
  /// Handler thread: a task finished (it leaves the window if late-acked).
  void finished();
  /// Wakes the consumer (room in the window, or the last task finished).
  void notify_room() { room_.notify_all(); }

  /// Consumer: how many messages to fetch now (0 = no room; then `acks` are to be sent on
  /// their own) and the early acks to send; may shorten `wait`. Blocks up to `wait` when
  /// there is no room and no ack to send. `held_full`: the eta heap is at its cap.
  std::size_t room(bool held_full, std::chrono::milliseconds& wait, std::vector<std::string>& acks);
  /// Consumer at shutdown: waits (up to `slice`) for in-flight tasks; true when none is left.
  bool wait_idle(std::chrono::milliseconds slice);
  /// Ends the handler threads' waits once the queue is empty.
  void shut_down();
  void reopen();
  /// Acks queued and not yet taken by the consumer.
  std::vector<std::string> take_acks();

 private:
  // Messages counted against `prefetch`, as Celery counts them: an early-acked task is acked
  // as it starts, so only those not started yet; a late-acked one until it finishes.
  [[nodiscard]] std::size_t window_used() const { return acks_late_ ? in_flight_ : ready_.size(); }

  const std::size_t prefetch_;
  const bool acks_late_;
  std::mutex mu_;
  std::condition_variable jobs_, room_;
  std::deque<job> ready_;
  std::size_t in_flight_ = 0;  // queued in `ready_` + running
  std::vector<std::string> early_acks_;
  bool shutting_down_ = false;
};

/// The finisher thread: handler threads hand it their results and late acks and go on; it
/// writes what has accumulated in one pipelined round trip per kind, so a burst of short tasks
/// costs a few round trips, not a few per task. The lock guards the pending batch.
class result_finisher {
 public:
  result_finisher(broker& b, result_backend& r, std::size_t cap, const worker_log& log)
      : broker_(b), backend_(r), cap_(cap), log_(log) {}
  ~result_finisher() { stop(); }
  result_finisher(const result_finisher&) = delete;
  result_finisher& operator=(const result_finisher&) = delete;

  void start();
  /// Writes what is left, then ends the thread (after the handler threads have ended).
  void stop();
  /// Hands over a finished task's results and late ack; waits while the finisher lags far
  /// behind, which bounds the memory a slow result backend can tie up.
  void complete(job& j);

 private:
  struct batch {
    std::vector<task_result> results;
    std::vector<std::string> late_acks;
    [[nodiscard]] bool empty() const { return results.empty() && late_acks.empty(); }
  };
  void main();
  void write(batch& b);

  broker& broker_;
  result_backend& backend_;
  const std::size_t cap_;
  const worker_log& log_;
  std::mutex mu_;
  std::condition_variable work_, room_;
  batch pending_;
  std::size_t pending_tasks_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

/// The running tasks' time limits. The lock guards the table of running tasks; the flags are
/// atomics the handler threads own (reset for each task before it is registered here).
class time_limit_watch {
 public:
  struct over_limit {
    std::string id, delivery_tag;
    std::chrono::milliseconds limit;
  };
  std::uint64_t begin(time_limits limits, std::atomic<bool>& soft_flag,
                      std::atomic<bool>& hard_flag, const job& j);
  void end(std::uint64_t slot);
  /// Sets the soft flags that are due; appends tasks newly past their hard limit to `hard`
  /// (their hard flag set). Returns true while some running task still has a limit ahead.
  bool check(std::vector<over_limit>& hard);

 private:
  struct running_task {
    std::chrono::steady_clock::time_point started;
    time_limits limits;
    std::atomic<bool>* soft_flag = nullptr;
    std::atomic<bool>* hard_flag = nullptr;
    std::string id, delivery_tag;
    bool hard_reported = false;
  };
  std::mutex mu_;
  std::map<std::uint64_t, running_task> running_;
  std::uint64_t next_slot_ = 0;
};

}  // namespace ferry::celery::detail
