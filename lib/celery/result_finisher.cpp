#include "celery/worker_parts.hpp"

namespace ferry::celery::detail {

void result_finisher::start() {
  {
    std::lock_guard lk(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { main(); });
}

void result_finisher::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  work_.notify_all();
  room_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void result_finisher::complete(job& j) {
  if (j.results.empty() && !j.ack_after_results) return;
  std::unique_lock lk(mu_);
  for (auto& r : j.results) pending_.results.push_back(std::move(r));
  if (j.ack_after_results) pending_.late_acks.push_back(j.delivery_tag);
  ++pending_tasks_;
  work_.notify_one();
  room_.wait(lk, [&] { return pending_tasks_ < cap_ || stop_; });
}

void result_finisher::main() {
  for (;;) {
    batch b;
    {
      std::unique_lock lk(mu_);
      work_.wait(lk, [&] { return !pending_.empty() || stop_; });
      if (pending_.empty()) return;  // stopping, and nothing left to write
      b = std::exchange(pending_, {});
      pending_tasks_ = 0;
    }
    room_.notify_all();
    write(b);
  }
}

// Results first, then the late acks: a message is acked only once its result is stored.
void result_finisher::write(batch& b) {
  if (!b.results.empty()) {
    try {
      (void)backend_.store_many(b.results);
    } catch (const std::exception& e) {
      log_(log_level::error,
           "storing " + std::to_string(b.results.size()) + " result(s) failed: " + e.what());
    }
  }
  if (!b.late_acks.empty()) {
    try {
      broker_.ack_many(b.late_acks);
    } catch (const std::exception& e) {
      log_(log_level::error,
           "acking " + std::to_string(b.late_acks.size()) + " message(s) failed: " + e.what());
    }
  }
}

}  // namespace ferry::celery::detail
