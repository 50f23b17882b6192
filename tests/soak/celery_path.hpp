// Path 3: Celery tasks (tasks.add) sent with ferry's Celery client over the Redis broker to two
// ferry-celery-worker processes (acks_late), results in the Redis result backend.
//
// Accepted = send_task returned. Completed = the task's result in the backend is SUCCESS with
// the right value. Runs = the workers' "Task tasks.add[<id>] succeeded" log lines. A result
// backend keeps one key per task id, so "twice in the database" does not apply.
//
// Thread safety: produce() on one thread; the rest on the main thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ferry/celery/client.hpp>
#include <ferry/redis/client.hpp>

#include "tally.hpp"

namespace soak {

class celery_path {
 public:
  celery_path(const std::string& broker_url, const std::string& backend_url, std::string queue,
              std::size_t tasks);

  void produce(std::chrono::steady_clock::time_point start, std::chrono::milliseconds window,
               std::chrono::steady_clock::time_point give_up, const abort_flag& abort);
  [[nodiscard]] std::int64_t accepted_so_far() const;
  [[nodiscard]] bool drained();
  [[nodiscard]] std::int64_t completed_so_far();
  [[nodiscard]] path_tally tally(const std::vector<std::string>& worker_logs);

 private:
  /// A fixed uuid4-shaped id per index, so a retried send reuses the task id.
  [[nodiscard]] std::string task_id(std::size_t index) const;
  /// 1 = SUCCESS with the right value, 2 = FAILURE, 0 = no result; per index.
  [[nodiscard]] std::vector<int> results();

  std::shared_ptr<ferry::redis::client> backend_redis_;
  ferry::celery::client client_;
  std::string queue_;
  std::string salt_;
  acceptance accepted_;
  std::atomic<std::int64_t> errors_{0};
};

}  // namespace soak
