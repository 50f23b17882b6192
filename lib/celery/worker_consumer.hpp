// The worker's fetch side: one consumer thread (the caller of worker::run) fetches as many
// messages as the prefetch window has room for, decides for each (task_semantics::on_receive:
// run, hold until its eta, revoke, dead-letter) and hands runnable ones to the handler threads.
// It reaches the broker only through ferry::celery::broker, so another fetch source can take
// its place.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "celery/worker_impl.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery::detail {

class worker_consumer {
 public:
  worker_consumer(worker::impl& w, std::atomic<bool>& stop) : w_(w), stop_(stop) {}

  /// Consumes until `stop`; returns the broker failure it could not ride out, if any (it then
  /// sets `stop` itself).
  std::optional<error> loop();
  /// Graceful stop: held eta messages go back to the queue head (kombu restores what it holds
  /// on shutdown); waits for the in-flight tasks to finish.
  void drain();

 private:
  struct held_task {
    std::chrono::system_clock::time_point due;
    job task;
  };
  struct later_first {
    bool operator()(const held_task& a, const held_task& b) const { return a.due > b.due; }
  };

  void step();
  void housekeeping();
  void release_due();
  void update_prefetch();
  [[nodiscard]] std::chrono::milliseconds next_wait(bool limits_pending) const;
  void accept(broker_delivery& d);
  void decide(job j, receive_decision& d);
  void reject(const broker_delivery& d, const std::string& why);

  worker::impl& w_;
  std::atomic<bool>& stop_;
  std::priority_queue<held_task, std::vector<held_task>, later_first> held_;
  std::chrono::steady_clock::time_point last_restore_{};
  std::chrono::milliseconds backoff_{100};
  std::size_t prefetch_sent_ = 0;
  // The acks to send next; swapped with the hand-over's, so both keep their capacity.
  std::vector<std::string> acks_;
};

}  // namespace ferry::celery::detail
