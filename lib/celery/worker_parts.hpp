// The worker's parts beside ferry::worker_runtime (which hands tasks to the handler threads and
// batches the acks), each with its own lock over one thing: the results waiting to be written
// (result_finisher), the running tasks' time limits (time_limit_watch).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
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
};

/// The finisher thread: handler threads hand it their results and go on; it writes what has
/// accumulated in one pipelined round trip, so a burst of short tasks costs a few round trips,
/// not a few per task. The lock guards the pending batch and its counters.
class result_finisher {
 public:
  result_finisher(result_backend& r, std::size_t cap, const worker_log& log)
      : backend_(r), cap_(cap), log_(log) {}
  ~result_finisher() { stop(); }
  result_finisher(const result_finisher&) = delete;
  result_finisher& operator=(const result_finisher&) = delete;

  void start();
  /// Writes what is left, then ends the thread (after the handler threads have ended).
  void stop();
  /// Hands over a finished task's results; waits while the finisher lags far behind, which
  /// bounds the memory a slow result backend can tie up.
  void complete(job& j);
  /// Returns once every result handed over before the call has been written (or its write
  /// has failed and been logged): a late ack is sent only after that.
  void sync();

 private:
  void main();
  void write(std::vector<task_result>& results);

  result_backend& backend_;
  const std::size_t cap_;
  const worker_log& log_;
  std::mutex mu_;
  std::condition_variable work_, room_, written_cv_;
  std::vector<task_result> pending_;
  std::size_t pending_tasks_ = 0;
  std::uint64_t handed_ = 0;   // tasks handed over, ever
  std::uint64_t written_ = 0;  // of those, written
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
  /// Registers a task as it starts; end(slot) when it returns.
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
