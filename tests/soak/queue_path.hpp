// Path 1: jobs through ferry's reliable Redis queue, handled by ferry-soak-worker processes
// while ferry-retry-worker runs the scheduler (retries, lease recovery).
//
// Accepted = queue::enqueue returned an id. Completed = the job's token has a row in the
// workers' effects table. Runs = lines of the workers' runs log.
//
// Thread safety: produce() on one thread; the other members on the main thread, after
// produce() returned or while it runs (they only read Redis and the database).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <ferry/queue/queue.hpp>
#include <ferry/redis/client.hpp>

#include "tally.hpp"

namespace soak {

class queue_path {
 public:
  queue_path(const std::string& redis_url, std::string db_path, std::string runs_log,
             std::size_t jobs);

  /// Creates the effects table the workers write.
  void init_database() const;
  /// Enqueues every job, paced over `window`, retrying each until Redis accepts it (or until
  /// `give_up`, or abort).
  void produce(std::chrono::steady_clock::time_point start, std::chrono::milliseconds window,
               std::chrono::steady_clock::time_point give_up, const abort_flag& abort);
  [[nodiscard]] std::int64_t accepted_so_far() const;
  /// Nothing ready, in flight or scheduled (dead letters stay where they are).
  [[nodiscard]] bool drained();
  [[nodiscard]] std::int64_t completed_so_far() const;
  [[nodiscard]] path_tally tally();

 private:
  ferry::redis::client redis_;
  ferry::queue::queue queue_;
  std::string db_path_;
  std::string runs_log_;
  acceptance accepted_;
  std::atomic<std::int64_t> errors_{0};
};

}  // namespace soak
