// The Celery worker's fetch side as a ferry::delivery_source: worker_runtime's fetch thread
// calls it to settle finished tasks and take new ones, one round trip at a time. For each
// message it fetches it decides (task_semantics::on_receive) whether to hand it to the
// handlers, hold it until its eta, revoke it or dead-letter it; held eta messages stay here,
// unacked and outside the runtime's window (Celery raises basic.qos for them). Its upkeep runs
// the broker's housekeeping and the running tasks' time limits.
//
// Settlements: an ack (early, as a handler starts; or late, once the task's results are
// written) rides along with the next fetch; a retry asked of the runtime gives the message back
// to its queue. Celery's own retries are new messages the handler publishes, so those never
// reach here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_set>
#include <vector>

#include "celery/worker_impl.hpp"
#include "ferry/core/delivery_source.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery::detail {

class worker_source final : public ferry::delivery_source {
 public:
  explicit worker_source(worker::impl& w) : w_(w) {}

  std::vector<delivery> exchange(std::vector<settlement>& done, std::size_t want,
                                 std::chrono::milliseconds wait) override;
  /// Time limits (soft flags, hard limits) and, every restore_interval, broker::maintain().
  void upkeep() override;
  [[nodiscard]] std::chrono::milliseconds upkeep_interval() const override;

  /// After the runtime stopped: held eta messages go back to their queues (kombu restores
  /// what it holds on shutdown).
  void drain();
  /// The broker failure the worker cannot ride out (a wrong password, a missing queue), once
  /// one happened.
  [[nodiscard]] std::optional<error> fatal() const;

 private:
  struct held_task {
    std::chrono::system_clock::time_point due;
    job task;
  };
  struct later_first {
    bool operator()(const held_task& a, const held_task& b) const { return a.due > b.due; }
  };

  std::vector<delivery> round_trip(std::vector<settlement>& done, std::size_t want,
                                   std::chrono::milliseconds wait);
  void settle(std::vector<settlement>& done);
  void release_due(std::vector<delivery>& out);
  void update_prefetch();
  [[nodiscard]] std::chrono::milliseconds until_next_due(std::chrono::milliseconds wait) const;
  void accept(broker_delivery& d, std::vector<delivery>& out);
  void decide(job j, receive_decision& d, std::vector<delivery>& out);
  void reject(const broker_delivery& d, const std::string& why);
  void check_limits();

  worker::impl& w_;
  std::priority_queue<held_task, std::vector<held_task>, later_first> held_;
  std::chrono::steady_clock::time_point last_restore_{};
  std::size_t prefetch_sent_ = 0;
  // Deliveries handed to the runtime and not settled yet.
  std::size_t unsettled_ = 0;
  // The acks to send with the next fetch.
  std::vector<std::string> acks_;
  // Acked when their hard time limit passed: their late settlement must not ack them again.
  std::unordered_set<std::string> acked_at_limit_;
  mutable std::mutex fatal_mu_;
  std::optional<error> fatal_;
};

}  // namespace ferry::celery::detail
