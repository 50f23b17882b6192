#include "ferry/core/worker_runtime.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/notify.hpp"

namespace ferry {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

using detail::notify;

// What a settlement needs of a delivery settled as it starts (the handler keeps the rest).
delivery id_of(const delivery& d) {
  delivery out;
  out.id = d.id;
  out.queue = d.queue;
  return out;
}

}  // namespace

outcome outcome_of_current_exception(outcome::kind unexpected) {
  std::string reason;
  try {
    throw;
  } catch (const permanent_failure& e) {
    return outcome::dead_letter(e.what());
  } catch (const ferry::error& e) {
    if (e.is_transient()) return outcome::retry(e.what());
    reason = e.what();
  } catch (const std::exception& e) {
    reason = e.what();
  } catch (...) {
    reason = "unknown exception";
  }
  switch (unexpected) {
    case outcome::kind::dead_letter: return outcome::dead_letter(std::move(reason));
    case outcome::kind::reject: return outcome::reject(std::move(reason));
    case outcome::kind::ack: return outcome::ack();
    case outcome::kind::retry: break;
  }
  return outcome::retry(std::move(reason));
}

struct worker_runtime::impl {
  impl(delivery_source& s, delivery_handler h, worker_runtime_options o)
      : source(s), handler(std::move(h)), opts(std::move(o)) {}

  delivery_source& source;
  delivery_handler handler;
  worker_runtime_options opts;

  mutable std::mutex mutex;
  std::condition_variable work_cv;  // handlers: a delivery is ready, or the fetch loop ended
  std::condition_variable pump_cv;  // fetch thread: a delivery finished, or stop
  std::deque<delivery> ready;       // taken, not started
  std::vector<settlement> done;     // finished, to settle
  steady::time_point first_done{};  // when `done` became non-empty
  std::size_t running_count = 0;
  bool stopping = false;
  bool pump_ended = false;

  std::thread pump;
  std::vector<std::thread> handlers;

  std::atomic<std::uint64_t> fetched{0}, succeeded{0}, failed{0}, round_trips{0}, errors{0};

  std::size_t capacity() const { return opts.concurrency + opts.prefetch; }
  std::size_t settle_batch() const { return std::max<std::size_t>(capacity() / 2, 1); }

  // Whether the fetch thread has something to do now: enough outcomes to settle, the ready
  // buffer down to half (refill before the handlers run dry), the oldest outcome waited
  // max_ack_delay, or stop. Called with the lock held.
  bool pump_has_work() const {
    const auto held = ready.size() + running_count;
    return stopping || done.size() >= settle_batch() ||
           (held < capacity() && ready.size() <= opts.prefetch / 2) ||
           (!done.empty() && steady::now() >= first_done + opts.max_ack_delay);
  }

  // Waits until pump_has_work() or the next upkeep is due.
  void wait_for_pump_work(std::unique_lock<std::mutex>& lock, steady::time_point upkeep_due) {
    while (!pump_has_work()) {
      const auto until =
          done.empty() ? upkeep_due : std::min(upkeep_due, first_done + opts.max_ack_delay);
      if (pump_cv.wait_until(lock, until) == std::cv_status::timeout &&
          steady::now() >= upkeep_due) {
        return;
      }
    }
  }

  void take(std::vector<delivery>&& got) {
    if (got.empty()) return;
    fetched.fetch_add(got.size(), std::memory_order_relaxed);
    const auto n = got.size();
    {
      std::lock_guard lock{mutex};
      for (auto& d : got) ready.push_back(std::move(d));
    }
    // One wake-up per delivery: notify_all would wake every idle handler to fight for the lock.
    for (std::size_t i = 0; i < n; ++i) work_cv.notify_one();
  }

  // One round trip; on a transport error the unsettled outcomes wait for the next one (on
  // stop, after a few failures they are given up: the source's recovery redelivers them).
  void round_trip(std::vector<settlement>& batch, std::size_t want, milliseconds wait,
                  int& stop_failures) {
    try {
      take(source.exchange(batch, want, wait));
      round_trips.fetch_add(1, std::memory_order_relaxed);
    } catch (const ferry::error& e) {
      report(e, "fetch");
      std::unique_lock lock{mutex};
      if (!stopping || ++stop_failures < 3) {
        done.insert(done.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
        if (first_done == steady::time_point{}) first_done = steady::now();
      }
      pump_cv.wait_for(lock, opts.error_backoff, [&] { return stopping && stop_failures >= 3; });
    }
  }

  void report(const ferry::error& e, std::string_view operation) {
    errors.fetch_add(1, std::memory_order_relaxed);
    opts.observer.error(e, {.component = opts.component, .operation = operation});
  }

  void upkeep() {
    try {
      source.upkeep();
    } catch (const ferry::error& e) {
      report(e, "upkeep");
    }
  }

  void pump_loop() {
    int stop_failures = 0;
    auto upkeep_due = steady::now() + source.upkeep_interval();
    for (;;) {
      std::vector<settlement> batch;
      std::size_t want = 0;
      bool hold_nothing = false;
      {
        std::unique_lock lock{mutex};
        wait_for_pump_work(lock, upkeep_due);
        if (stopping && !opts.run_prefetched_on_stop) ready.clear();  // the source gives them back
        batch.swap(done);
        first_done = {};
        const auto held = ready.size() + running_count;
        if (stopping && batch.empty() && held == 0) break;
        if (!stopping) want = held < capacity() ? capacity() - held : 0;
        hold_nothing = held == 0;
      }
      if (steady::now() >= upkeep_due) {
        upkeep();
        upkeep_due = steady::now() + source.upkeep_interval();
      }
      if (batch.empty() && want == 0) {
        if (stopping) {
          // Handlers still run: upkeep goes on meanwhile (leases, time limits).
          std::unique_lock lock{mutex};
          pump_cv.wait_until(lock, upkeep_due,
                             [&] { return !done.empty() || ready.size() + running_count == 0; });
        }
        continue;
      }
      round_trip(batch, want, hold_nothing ? opts.idle_wait : opts.max_ack_delay, stop_failures);
    }
    {
      std::lock_guard lock{mutex};
      pump_ended = true;
    }
    work_cv.notify_all();
  }

  outcome run_handler(const delivery& d) {
    try {
      return handler(d);
    } catch (...) {
      return outcome_of_current_exception(opts.unexpected_exception);
    }
  }

  void handler_loop() {
    for (;;) {
      std::optional<delivery> d;
      {
        std::unique_lock lock{mutex};
        work_cv.wait(lock, [&] { return !ready.empty() || pump_ended; });
        if (ready.empty()) return;
        d.emplace(std::move(ready.front()));
        ready.pop_front();
        ++running_count;
        if (opts.ack_on_start) settle_locked(settlement{id_of(*d), outcome::ack()});
        // The buffer just reached its refill mark: the fetch thread waits for exactly this.
        if (ready.size() == opts.prefetch / 2) pump_cv.notify_one();
      }
      outcome verdict = run_handler(*d);
      if (verdict.what() == outcome::kind::ack) {
        succeeded.fetch_add(1, std::memory_order_relaxed);
      } else {
        failed.fetch_add(1, std::memory_order_relaxed);
        notify(opts.on_failure, *d, verdict.reason());
      }
      std::optional<settlement> s;
      if (!opts.ack_on_start) s.emplace(settlement{std::move(*d), std::move(verdict)});
      finish(std::move(s));
    }
  }

  // Queues `s` for the fetch thread, waking it when its condition may have changed. Called
  // with the lock held.
  void settle_locked(settlement&& s) {
    bool wake = false;
    if (done.empty()) {
      first_done = steady::now();
      wake = true;  // the fetch thread now waits at most max_ack_delay
    }
    done.push_back(std::move(s));
    if (wake || done.size() == settle_batch()) pump_cv.notify_one();
  }

  // A handler run ended; `s` is its settlement unless it was settled as it started.
  void finish(std::optional<settlement>&& s) {
    bool wake = false;  // only when the fetch thread's condition may have changed
    {
      std::lock_guard lock{mutex};
      --running_count;
      if (s) settle_locked(std::move(*s));
      wake = stopping || ready.size() <= opts.prefetch / 2;
    }
    if (wake) pump_cv.notify_one();
  }
};

worker_runtime::worker_runtime(delivery_source& source, delivery_handler handler,
                               worker_runtime_options options) {
  if (!handler) throw std::invalid_argument("worker_runtime: empty handler");
  if (options.concurrency == 0) {
    throw std::invalid_argument("worker_runtime: concurrency must be >= 1");
  }
  if (options.idle_wait.count() <= 0 || options.max_ack_delay.count() <= 0) {
    throw std::invalid_argument("worker_runtime: idle_wait and max_ack_delay must be positive");
  }
  impl_ = std::make_unique<impl>(source, std::move(handler), std::move(options));
}

worker_runtime::~worker_runtime() {
  stop();
}

void worker_runtime::start() {
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

void worker_runtime::stop() {
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

bool worker_runtime::running() const noexcept {
  return impl_->pump.joinable();
}

worker_runtime_stats worker_runtime::stats() const {
  const auto& s = *impl_;
  return {s.fetched.load(), s.succeeded.load(), s.failed.load(), s.round_trips.load(),
          s.errors.load()};
}

}  // namespace ferry
