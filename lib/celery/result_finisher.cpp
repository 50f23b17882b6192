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
  if (j.results.empty()) return;
  std::unique_lock lk(mu_);
  for (auto& r : j.results) pending_.push_back(std::move(r));
  ++pending_tasks_;
  ++handed_;
  work_.notify_one();
  room_.wait(lk, [&] { return pending_tasks_ < cap_ || stop_; });
}

void result_finisher::sync() {
  std::unique_lock lk(mu_);
  const auto target = handed_;
  written_cv_.wait(lk, [&] { return written_ >= target || stop_; });
}

void result_finisher::main() {
  for (;;) {
    std::vector<task_result> results;
    std::uint64_t upto = 0;
    {
      std::unique_lock lk(mu_);
      work_.wait(lk, [&] { return !pending_.empty() || stop_; });
      if (pending_.empty()) return;  // stopping, and nothing left to write
      results = std::exchange(pending_, {});
      pending_tasks_ = 0;
      upto = handed_;
    }
    room_.notify_all();
    write(results);
    {
      std::lock_guard lk(mu_);
      written_ = upto;
    }
    written_cv_.notify_all();
  }
}

void result_finisher::write(std::vector<task_result>& results) {
  try {
    (void)backend_.store_many(results);
  } catch (const std::exception& e) {
    log_(log_level::error,
         "storing " + std::to_string(results.size()) + " result(s) failed: " + e.what());
  }
}

}  // namespace ferry::celery::detail
