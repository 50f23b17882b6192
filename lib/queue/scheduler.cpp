#include "ferry/queue/scheduler.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "ferry/queue/queue.hpp"

namespace ferry::queue {

struct scheduler::impl {
  std::vector<queue*> queues;
  scheduler_options opts;
  std::mutex mutex;
  std::condition_variable_any cv;
  std::jthread thread;

  // Runs one pass and returns how long to sleep before the next.
  std::chrono::milliseconds pass(maintenance_report& report) {
    auto sleep = opts.max_sleep;
    for (auto* q : queues) {
      report.promoted += q->promote_due();
      report.recovered += q->recover_stale();
      report.trimmed += q->trim_dead();
      if (auto due = q->next_due()) {
        // next_due is on the server's clock; the difference to our clock is ignored here
        // because a wrong guess only wakes us early or up to one max_sleep late.
        const auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
            *due - std::chrono::system_clock::now());
        sleep = std::min(sleep,
                         std::max(d + std::chrono::milliseconds{1}, std::chrono::milliseconds{1}));
      }
    }
    return sleep;
  }

  void loop(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      std::chrono::milliseconds sleep = opts.max_sleep;
      try {
        maintenance_report ignored;
        sleep = pass(ignored);
      } catch (const std::exception& e) {
        sleep = opts.error_backoff;
        if (opts.on_error) {
          try {
            opts.on_error(e);
          } catch (...) {  // a throwing callback must not end the loop
          }
        }
      }
      std::unique_lock lock{mutex};
      cv.wait_for(lock, stop, sleep, [] { return false; });
    }
  }
};

scheduler::scheduler(std::vector<queue*> queues, scheduler_options options)
    : impl_(std::make_unique<impl>()) {
  if (std::any_of(queues.begin(), queues.end(), [](queue* q) { return q == nullptr; })) {
    throw std::invalid_argument("scheduler: null queue");
  }
  if (options.max_sleep.count() <= 0) throw std::invalid_argument("scheduler: max_sleep <= 0");
  impl_->queues = std::move(queues);
  impl_->opts = std::move(options);
}

scheduler::~scheduler() {
  stop();
}

maintenance_report scheduler::run_once() {
  maintenance_report r;
  (void)impl_->pass(r);
  return r;
}

void scheduler::start() {
  if (impl_->thread.joinable()) return;
  impl_->thread = std::jthread([this](const std::stop_token& st) { impl_->loop(st); });
}

void scheduler::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->thread.request_stop();
  impl_->thread.join();
}

}  // namespace ferry::queue
