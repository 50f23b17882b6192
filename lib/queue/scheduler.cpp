#include "ferry/queue/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ferry/queue/queue.hpp"
#include "ferry/redis/client.hpp"
#include "queue/loop_helpers.hpp"

namespace ferry::queue {

using detail::notify;
using std::chrono::milliseconds;

struct scheduler::impl {
  // Guards the queues (and the discovery state below): pass() may run on a caller's thread
  // (run_once) while the loop thread reads the wake keys.
  std::mutex queues_mutex;
  std::vector<queue*> queues;
  std::vector<std::string> wake_keys;
  scheduler_options opts;
  // A discovering scheduler (the second constructor) opens the queues it finds itself.
  redis::client* discovery_client = nullptr;
  queue_options discovery_options;
  std::vector<std::unique_ptr<queue>> owned;
  std::vector<std::string> names;
  bool discovered = false;
  std::chrono::steady_clock::time_point next_discovery{};
  // A plain thread and a stop flag rather than std::jthread/std::stop_token, which libc++
  // lacks before 18. The flag is set under `mutex`, so a sleeper on `cv` cannot miss it.
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> stop_requested{false};
  std::thread thread;
  // CLIENT ID of the connection blocked in BLPOP (0 = not blocked), for stop().
  std::atomic<long long> blocked_client{0};
  std::atomic<bool> finished{false};
  long long conn_id = 0;  // CLIENT ID of the loop's connection (loop thread only)

  redis::client& client() const {
    return discovery_client != nullptr ? *discovery_client : queues.front()->client();
  }

  void set_queues(std::vector<queue*> qs) {
    queues = std::move(qs);
    wake_keys.clear();
    for (auto* q : queues) wake_keys.push_back(q->wake_key());
  }

  // A discovering scheduler lists the known queues when the interval has passed and opens them
  // anew when the list changed (under queues_mutex).
  void discover() {
    if (discovery_client == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    if (discovered && now < next_discovery) return;
    auto found = known_queues(*discovery_client, discovery_options.key_prefix);
    next_discovery = now + opts.discovery_interval;
    if (discovered && found == names) return;
    discovered = true;
    names = std::move(found);
    owned.clear();
    std::vector<queue*> ptrs;
    for (const auto& n : names) {
      owned.push_back(std::make_unique<queue>(*discovery_client, n, discovery_options));
      ptrs.push_back(owned.back().get());
    }
    set_queues(std::move(ptrs));
    notify(opts.on_discover, names);
  }

  // Sleeps for `d`, or less when stop() is requested meanwhile.
  void sleep_unless_stopped(milliseconds d) {
    std::unique_lock lock{mutex};
    cv.wait_for(lock, d, [this] { return stop_requested.load(); });
  }

  void request_stop() {
    {
      std::lock_guard lock{mutex};
      stop_requested.store(true);
    }
    cv.notify_all();
  }

  // Runs one pass; report.next_sleep says how long to sleep before the next.
  void pass(maintenance_report& report) {
    std::lock_guard lock{queues_mutex};
    discover();
    auto sleep = opts.max_sleep;
    for (auto* q : queues) {
      report.promoted += q->promote_due();
      report.recovered += q->recover_stale();
      report.trimmed += q->trim_dead();
      // Measured on the server's clock: local clock skew cannot stretch the sleep.
      if (auto d = q->until_next_due()) sleep = std::min(sleep, *d + milliseconds{1});
    }
    report.next_sleep = std::max(sleep, milliseconds{1});
  }

  // Blocks until `sleep` passed or a queue's wake list got a push (or stop() unblocked us).
  // The wake lists are emptied after a wake-up: the pass that follows reads the due times
  // fresh, so the rings are consumed by it and must not wake us again.
  void wait_for_wake(std::optional<redis::lease>& conn, milliseconds sleep) {
    std::vector<std::string> keys;
    {
      std::lock_guard lock{queues_mutex};
      keys = wake_keys;
    }
    if (keys.empty()) {
      sleep_unless_stopped(sleep);
      return;
    }
    if (!conn) {
      conn.emplace(client().acquire());
      conn_id = (*conn)->command({"CLIENT", "ID"}).as_integer();
    }
    // "BLPOP" + every queue's wake_key() + the timeout, and "DEL" + the same keys.
    const std::string timeout = detail::seconds_text(sleep);
    std::vector<std::string_view> blpop_args{"BLPOP"};
    std::vector<std::string_view> del_args{"DEL"};
    for (const auto& k : keys) {
      blpop_args.push_back(k);
      del_args.push_back(k);
    }
    blpop_args.push_back(timeout);
    blocked_client.store(conn_id);
    if (stop_requested.load()) {
      blocked_client.store(0);
      return;
    }
    redis::reply r;
    try {
      r = (*conn)->command(std::span<const std::string_view>(blpop_args),
                           sleep + (*conn)->config().command_timeout);
    } catch (...) {
      blocked_client.store(0);
      throw;  // loop() drops the connection
    }
    blocked_client.store(0);
    if (!r.is_nil() && !stop_requested.load()) {
      (void)(*conn)->command(std::span<const std::string_view>(del_args));
    }
  }

  void loop() {
    std::optional<redis::lease> conn;
    while (!stop_requested.load()) {
      try {
        maintenance_report report;
        pass(report);
        notify(opts.on_pass, report);
        if (stop_requested.load()) break;
        wait_for_wake(conn, report.next_sleep);
      } catch (const std::exception& e) {
        conn.reset();
        opts.observer.error(e, {.component = "queue.scheduler", .operation = "pass"});
        sleep_unless_stopped(opts.error_backoff);
      }
    }
    conn.reset();
    finished.store(true);
  }
};

scheduler::scheduler(std::vector<queue*> queues, scheduler_options options)
    : impl_(std::make_unique<impl>()) {
  if (std::any_of(queues.begin(), queues.end(), [](queue* q) { return q == nullptr; })) {
    throw std::invalid_argument("scheduler: null queue");
  }
  if (!queues.empty() && std::any_of(queues.begin(), queues.end(), [&](queue* q) {
        return &q->client() != &queues.front()->client();
      })) {
    throw std::invalid_argument("scheduler: all queues must share one redis::client");
  }
  if (options.max_sleep.count() <= 0) throw std::invalid_argument("scheduler: max_sleep <= 0");
  impl_->set_queues(std::move(queues));
  impl_->opts = std::move(options);
}

scheduler::scheduler(redis::client& client, queue_options queues, scheduler_options options)
    : impl_(std::make_unique<impl>()) {
  if (options.max_sleep.count() <= 0) throw std::invalid_argument("scheduler: max_sleep <= 0");
  if (options.discovery_interval.count() < 0)
    throw std::invalid_argument("scheduler: discovery_interval < 0");
  impl_->discovery_client = &client;
  impl_->discovery_options = std::move(queues);
  impl_->opts = std::move(options);
}

scheduler::~scheduler() {
  stop();
}

maintenance_report scheduler::run_once() {
  maintenance_report r;
  impl_->pass(r);
  return r;
}

void scheduler::start() {
  if (impl_->thread.joinable()) return;
  impl_->finished.store(false);
  impl_->stop_requested.store(false);
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void scheduler::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->request_stop();
  // The thread may be blocked in BLPOP on the server: unblock it (repeatedly, in case it was
  // between checking the stop flag and sending BLPOP when we first tried).
  while (!impl_->finished.load()) {
    const long long id = impl_->blocked_client.load();
    if (id > 0) {
      try {
        const std::string id_text = std::to_string(id);
        (void)impl_->client().command({"CLIENT", "UNBLOCK", id_text});
      } catch (...) {  // Redis gone: the BLPOP fails by itself within its timeout
      }
    }
    std::this_thread::sleep_for(milliseconds{10});
  }
  impl_->thread.join();
}

}  // namespace ferry::queue
