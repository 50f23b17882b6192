#include "ferry/queue/worker.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ferry/queue/queue.hpp"
#include "queue/loop_helpers.hpp"

namespace ferry::queue {
namespace {

using std::chrono::milliseconds;

using detail::notify;

}  // namespace

struct worker::impl {
  impl(queue& qu, handler hd, worker_options o) : q(qu), h(std::move(hd)), opts(std::move(o)) {}

  queue& q;
  handler h;
  worker_options opts;
  milliseconds lease{};

  mutable std::mutex mutex;
  std::condition_variable work_cv;  // handlers: a job is ready, or the pump ended
  std::condition_variable pump_cv;  // pump: a job finished, or stop
  std::deque<job> ready;            // leased, not started
  std::vector<job> done;            // finished, to ack
  std::chrono::steady_clock::time_point first_done{};  // when `done` became non-empty
  // Every held job (ready or running): id -> {token, lease end}, for lease extension.
  std::unordered_map<std::string, std::pair<std::string, clock::time_point>> held;
  std::size_t running_jobs = 0;
  bool stopping = false;
  bool pump_ended = false;

  std::thread pump;
  std::vector<std::thread> handlers;

  std::atomic<std::uint64_t> leased{0}, acked{0}, failed{0}, lease_lost{0}, round_trips{0},
      errors{0};

  std::size_t capacity() const { return opts.concurrency + opts.prefetch; }

  void report(const ferry::error& e, std::string_view operation, std::string_view id = {}) {
    errors.fetch_add(1, std::memory_order_relaxed);
    opts.observer.error(e, {.component = "queue.worker", .operation = operation, .id = id});
    notify(opts.on_error, e);
  }

  // Extends the leases of held jobs past half their lease (outside the lock: round trips).
  void extend_due() {
    std::vector<job> due;
    const auto threshold = clock::now() + lease / 2;
    {
      std::lock_guard lock{mutex};
      for (const auto& [id, l] : held) {
        if (l.second < threshold) {
          job j;
          j.id = id;
          j.lease_token = l.first;
          due.push_back(std::move(j));
        }
      }
    }
    for (auto& j : due) {
      bool ok = false;
      try {
        ok = q.extend(j, lease);
      } catch (const ferry::error& e) {
        report(e, "extend", j.id);
        continue;
      }
      std::lock_guard lock{mutex};
      auto it = held.find(j.id);
      if (it == held.end() || it->second.first != j.lease_token) continue;
      if (ok) {
        it->second.second = j.lease_until;
      } else {
        lease_lost.fetch_add(1, std::memory_order_relaxed);
        it->second.second = clock::time_point::max();  // nothing left to extend
      }
    }
  }

  void take(std::vector<job>&& jobs) {
    if (jobs.empty()) return;
    leased.fetch_add(jobs.size(), std::memory_order_relaxed);
    const auto n = jobs.size();
    {
      std::lock_guard lock{mutex};
      for (auto& j : jobs) {
        held[j.id] = {j.lease_token, j.lease_until};
        ready.push_back(std::move(j));
      }
    }
    // One wake-up per job: notify_all would wake every idle handler to fight for the lock.
    for (std::size_t i = 0; i < n; ++i) work_cv.notify_one();
  }

  void pump_loop() {
    bool starved = false;  // the last fetch found nothing ready in Redis
    int stop_failures = 0;
    for (;;) {
      std::vector<job> acks;
      std::size_t want = 0;
      bool hold_nothing = false;
      {
        std::unique_lock lock{mutex};
        // Batch: go when enough finished jobs wait for their ack, when the prefetch buffer
        // is down to half (refill before the handlers run dry), when the oldest finished job
        // has waited max_ack_delay (its lease is no longer extended), or on stop. Otherwise
        // wake every quarter lease to extend leases.
        const auto go = [&] {
          const auto n = ready.size() + running_jobs;
          return stopping || done.size() >= std::max<std::size_t>(capacity() / 2, 1) ||
                 (n < capacity() && ready.size() <= opts.prefetch / 2) ||
                 (!done.empty() &&
                  std::chrono::steady_clock::now() >= first_done + opts.max_ack_delay);
        };
        while (!go()) {
          if (done.empty()) {
            if (pump_cv.wait_for(lock, std::max(lease / 4, milliseconds{1})) ==
                    std::cv_status::timeout &&
                done.empty()) {
              break;  // extension tick
            }
          } else {
            pump_cv.wait_until(lock, first_done + opts.max_ack_delay);
          }
        }
        acks.swap(done);
        const auto n = ready.size() + running_jobs;
        if (stopping) {
          if (acks.empty() && n == 0) break;
        } else {
          want = n < capacity() ? capacity() - n : 0;
        }
        hold_nothing = n == 0;
      }
      extend_due();
      if (acks.empty() && want == 0) {
        if (stopping) {
          std::unique_lock lock{mutex};
          pump_cv.wait(lock, [&] { return !done.empty() || ready.size() + running_jobs == 0; });
        }
        continue;
      }
      try {
        if (acks.empty() && starved) {
          // Nothing finished and Redis had nothing: block on the queue's doorbell.
          auto got =
              q.reserve_many(want, hold_nothing ? opts.idle_wait : opts.max_ack_delay, lease);
          round_trips.fetch_add(1, std::memory_order_relaxed);
          starved = got.empty();
          take(std::move(got));
        } else {
          auto r = q.ack_and_reserve(acks, want, lease);
          round_trips.fetch_add(1, std::memory_order_relaxed);
          acked.fetch_add(r.acked, std::memory_order_relaxed);
          lease_lost.fetch_add(acks.size() - r.acked, std::memory_order_relaxed);
          starved = want > 0 && r.jobs.empty();
          take(std::move(r.jobs));
        }
      } catch (const ferry::error& e) {
        report(e, "fetch");
        std::unique_lock lock{mutex};
        // Keep the acks for the next try; on stop give up after a few (stale recovery will
        // redeliver those jobs: at-least-once).
        if (!stopping || ++stop_failures < 3) done.insert(done.end(), acks.begin(), acks.end());
        pump_cv.wait_for(lock, opts.error_backoff, [&] { return stopping && stop_failures >= 3; });
      }
    }
    {
      std::lock_guard lock{mutex};
      pump_ended = true;
    }
    work_cv.notify_all();
  }

  void handler_loop() {
    for (;;) {
      job j;
      {
        std::unique_lock lock{mutex};
        work_cv.wait(lock, [&] { return !ready.empty() || pump_ended; });
        if (ready.empty()) return;
        j = std::move(ready.front());
        ready.pop_front();
        ++running_jobs;
        // The buffer just reached its refill mark: the pump waits for exactly this.
        if (ready.size() == opts.prefetch / 2) pump_cv.notify_one();
      }
      std::optional<std::string> error;
      bool permanent = false;
      try {
        h(j);
      } catch (const permanent_failure& e) {
        error = e.what();
        permanent = true;
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown exception";
      }
      if (error) {
        failed.fetch_add(1, std::memory_order_relaxed);
        try {
          const auto r = permanent ? q.fail_permanently(j, *error) : q.fail(j, *error);
          if (r.outcome == fail_outcome::lease_lost)
            lease_lost.fetch_add(1, std::memory_order_relaxed);
        } catch (const ferry::error& e) {
          report(e, "fail", j.id);  // the lease will expire: stale recovery counts the attempt
        }
        notify(opts.on_failure, j, *error);
      }
      bool wake = false;  // only when the pump's condition may have changed
      {
        std::lock_guard lock{mutex};
        --running_jobs;
        held.erase(j.id);
        if (!error) {
          if (done.empty()) {
            first_done = std::chrono::steady_clock::now();
            wake = true;  // the pump now waits at most max_ack_delay
          }
          done.push_back(std::move(j));
          wake = wake || done.size() == std::max<std::size_t>(capacity() / 2, 1);
        }
        wake = wake || stopping || ready.size() <= opts.prefetch / 2;
      }
      if (wake) pump_cv.notify_one();
    }
  }
};

worker::worker(queue& q, handler h, worker_options options) {
  if (!h) throw std::invalid_argument("worker: empty handler");
  if (options.concurrency == 0) throw std::invalid_argument("worker: concurrency must be >= 1");
  if (options.idle_wait.count() <= 0 || options.max_ack_delay.count() <= 0) {
    throw std::invalid_argument("worker: idle_wait and max_ack_delay must be positive");
  }
  impl_ = std::make_unique<impl>(q, std::move(h), std::move(options));
  impl_->lease = impl_->opts.lease.value_or(q.options().lease);
  if (impl_->lease.count() <= 0) throw std::invalid_argument("worker: lease must be positive");
}

worker::~worker() {
  stop();
}

void worker::start() {
  auto& s = *impl_;
  if (s.pump.joinable()) return;
  {
    std::lock_guard lock{s.mutex};
    s.stopping = false;
    s.pump_ended = false;
  }
  for (std::size_t i = 0; i < s.opts.concurrency; ++i) {
    s.handlers.emplace_back([&s] { s.handler_loop(); });
  }
  s.pump = std::thread([&s] { s.pump_loop(); });
}

void worker::stop() {
  auto& s = *impl_;
  if (!s.pump.joinable()) return;
  {
    std::lock_guard lock{s.mutex};
    s.stopping = true;
  }
  s.pump_cv.notify_all();
  s.pump.join();
  for (auto& t : s.handlers) t.join();
  s.handlers.clear();
}

bool worker::running() const noexcept {
  return impl_->pump.joinable();
}

worker_stats worker::stats() const {
  const auto& s = *impl_;
  return {s.leased.load(),     s.acked.load(),       s.failed.load(),
          s.lease_lost.load(), s.round_trips.load(), s.errors.load()};
}

}  // namespace ferry::queue
