// ferry-bench-celery: ferry's Celery client and worker in the shapes of the Celery peer
// (tests/bench/peers/celery/celery_peer.py), so scripts/bench runs both on the same broker.
//
//   ferry-bench-celery --broker-url redis://127.0.0.1:6379/6
//       --backend-url redis://127.0.0.1:6379/7 --shape drain --concurrency 2 [--store-results]
//
// Shapes (one per run, so scripts/bench can interleave them with the peer's):
//   send           client::send_task("bench.add", [i, i]) N times, one call after the other
//                  (the peer's send_task loop)                       -> bench=celery.send
//   send_batched   client::send_tasks() with --batch tasks per call: one pipelined write per
//                  batch                                             -> bench=celery.send_batched
//   drain          the N tasks plus a sentinel (bench.done, queued last) are queued untimed;
//                  then a worker with --concurrency handler threads and prefetch 4 x
//                  concurrency (Celery's default multiplier) runs them. The clock starts when
//                  run() is called (the peer's: worker_ready) and stops when the sentinel has
//                  run, or, with --store-results, when the sentinel's SUCCESS is published by
//                  the result backend (every task's result is stored, as the peer's worker
//                  does with a backend)                               -> bench=celery.drain
//   fetch          the transport alone at the worker's window: fetching the N queued tasks
//                  --prefetch at a time, one fetch after the other, acking each, running
//                  none                                              -> bench=celery.fetch
// The broker is redis://... (kombu's Redis transport) or amqp://... (RabbitMQ, Celery's
// conventions); results always go to Redis. The broker and backend databases (RabbitMQ: the
// queue) are the benchmark's own: FLUSHDB'd (purged) before and after a run. Loops are bounded by
// --tasks and --max-seconds. Prints: bench=celery.<shape> side=ferry value=<tasks/s> unit=tasks/s
// n=.. seconds=.. [...]
#include <ferry/amqp/connection.hpp>
#include <ferry/amqp/topology.hpp>
#include <ferry/celery/amqp/broker.hpp>
#include <ferry/celery/client.hpp>
#include <ferry/celery/redis/backend.hpp>
#include <ferry/celery/redis/broker.hpp>
#include <ferry/celery/worker.hpp>
#include <ferry/redis/client.hpp>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cpu_time.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
namespace fc = ferry::celery;

struct settings {
  std::string broker_url = "redis://127.0.0.1:6379/6";
  std::string backend_url = "redis://127.0.0.1:6379/7";
  std::string queue = "bench.ferry";
  std::string shape = "drain";
  std::size_t tasks = 20000;
  std::size_t batch = 100;
  std::size_t concurrency = 1;
  std::size_t prefetch = 0;  // 0 = 4 x concurrency
  bool store_results = false;
  // send: send_task does not wait (RabbitMQ: amqp::transport_options::wait_for_confirm off;
  // Redis: redis::transport_options::wait_for_reply off)
  bool pipelined = false;
  double max_seconds = 30;
  // drain: the server processes (broker, backend) whose CPU time per task is reported
  std::vector<int> server_pids;
};

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

bool is_amqp(const std::string& url) {
  return url.starts_with("amqp");
}

// Empties the broker side: FLUSHDB of a Redis broker's database, or a purge of the queue.
void clear_broker(const settings& s, fc::broker& b) {
  if (!is_amqp(s.broker_url)) {
    ferry::redis::client{s.broker_url}.command({"FLUSHDB"}).throw_if_error();
    return;
  }
  dynamic_cast<fc::amqp::broker&>(b).declare_queue(s.queue);
  ferry::amqp::connection c{ferry::amqp::url::parse(s.broker_url)};
  (void)ferry::amqp::purge_queue(c, s.queue);
}

std::size_t queued(const settings& s, fc::broker& b) {
  if (auto* r = dynamic_cast<fc::redis::broker*>(&b)) return r->size(s.queue);
  return dynamic_cast<fc::amqp::broker&>(b).size(s.queue);
}

void print_line(const char* bench, std::size_t n, double seconds, const std::string& extra = {}) {
  std::printf("bench=celery.%s side=ferry value=%.1f unit=tasks/s n=%zu seconds=%.3f%s\n", bench,
              static_cast<double>(n) / seconds, n, seconds, extra.c_str());
}

fc::send_options to_queue(const settings& s) {
  fc::send_options o;
  o.queue = s.queue;
  return o;
}

// send: the peer's loop, one send_task per task. Pipelined, the clock also holds the wait for
// the last confirms (replies): every message sent is confirmed when it stops.
void run_send(fc::client& app, fc::broker& b, const settings& s) {
  const auto o = to_queue(s);
  const auto deadline = clock_type::now() + std::chrono::duration<double>(s.max_seconds);
  const auto t0 = clock_type::now();
  std::size_t sent = 0;
  while (sent < s.tasks) {
    const auto i = static_cast<long long>(sent);
    (void)app.send_task("bench.add", fc::json::array({i, i}), fc::json::object(), o);
    ++sent;
    if ((sent & 255) == 0 && clock_type::now() > deadline) break;
  }
  if (s.pipelined) {
    if (auto* a = dynamic_cast<fc::amqp::broker*>(&b))
      a->wait_confirms();
    else
      dynamic_cast<fc::redis::broker&>(b).wait_replies();
  }
  const double seconds = seconds_since(t0);
  // Every task sent is in the queue (a pipelined send that lost some would show here).
  const std::size_t in_queue = queued(s, b);
  if (in_queue != sent)
    std::fprintf(stderr, "# send: %zu sent, %zu in the queue\n", sent, in_queue);
  print_line(
      "send", sent, seconds,
      (s.pipelined ? " pipelined=1" : "") + std::string(" queued=") + std::to_string(in_queue));
}

// send_batched: the same tasks, --batch per send_tasks() call.
void run_send_batched(fc::client& app, const settings& s) {
  const auto o = to_queue(s);
  const auto deadline = clock_type::now() + std::chrono::duration<double>(s.max_seconds);
  std::vector<fc::task_call> calls;
  const auto t0 = clock_type::now();
  std::size_t sent = 0;
  while (sent < s.tasks && clock_type::now() < deadline) {
    calls.clear();
    for (std::size_t k = 0; k < s.batch && sent + k < s.tasks; ++k) {
      const auto i = static_cast<long long>(sent + k);
      calls.push_back({"bench.add", fc::json::array({i, i}), fc::json::object(), o});
    }
    (void)app.send_tasks(calls);
    sent += calls.size();
  }
  print_line("send_batched", sent, seconds_since(t0), " batch=" + std::to_string(s.batch));
}

// Queues s.tasks bench.add tasks (untimed), in batches.
void fill(fc::client& app, const settings& s, const fc::send_options& o) {
  std::vector<fc::task_call> calls;
  for (std::size_t i = 0; i < s.tasks; ++i) {
    const auto v = static_cast<long long>(i);
    calls.push_back({"bench.add", fc::json::array({v, v}), fc::json::object(), o});
    if (calls.size() == 500) {
      (void)app.send_tasks(calls);
      calls.clear();
    }
  }
  if (!calls.empty()) (void)app.send_tasks(calls);
}

std::size_t drain_prefetch(const settings& s) {
  return s.prefetch ? s.prefetch : 4 * s.concurrency;
}

// fetch: the transport alone at the worker's window: on N queued tasks, fetch_many(prefetch)
// in a loop, each fetch carrying the acks of the batch before it (as the worker's early acks
// ride along), no decoding beyond
// the transport's, no task run, no thread handoff. A worker overlaps its next fetch with the
// last task's run, so it can pass this serial loop.
void run_fetch(fc::client& app, fc::broker& b, const settings& s) {
  auto o = to_queue(s);
  o.ignore_result = true;
  fill(app, s, o);
  const std::size_t window = drain_prefetch(s);
  b.set_prefetch(window);
  const std::vector<std::string> queues{s.queue};
  const auto deadline = clock_type::now() + std::chrono::duration<double>(s.max_seconds);
  std::vector<std::string> acks;
  std::size_t got = 0;
  const auto t0 = clock_type::now();
  while (got < s.tasks && clock_type::now() < deadline) {
    auto batch = b.fetch_many(queues, window, std::chrono::milliseconds(100), acks);
    acks.clear();
    for (auto& d : batch) acks.push_back(std::move(d.delivery_tag));
    got += batch.size();
  }
  b.ack_many(acks);
  print_line("fetch", got, seconds_since(t0), " prefetch=" + std::to_string(window));
}

// Queues bench.done behind the tasks: the worker has drained them when it runs; returns its id.
std::string send_sentinel(fc::client& app, fc::send_options o) {
  o.task_id = "bench-sentinel-" + fc::protocol::new_task_id();
  (void)app.send_task("bench.done", fc::json::array(), fc::json::object(), o);
  return *o.task_id;
}

// The drain's worker; it prints its first five warnings or errors, counting all in `errors`.
fc::worker_options drain_worker_options(const settings& s, std::atomic<std::size_t>& errors) {
  fc::worker_options wo;
  wo.queues = {s.queue};
  wo.concurrency = s.concurrency;
  wo.prefetch = drain_prefetch(s);
  wo.observer = ferry::observer{
      ferry::log_level::warning,
      [&errors](ferry::log_level, std::string_view, std::string_view line) {
        if (errors.fetch_add(1) < 5)
          std::fprintf(stderr, "# worker: %.*s\n", static_cast<int>(line.size()), line.data());
      }};
  return wo;
}

// drain: a worker started on N queued tasks, clock until the sentinel is done (or stored).
void run_drain(fc::client& app, const settings& s) {
  auto o = to_queue(s);
  // Without a result backend nothing is stored: Celery with no backend configured, or
  // ignore_result on every call, which is how a ferry client says it.
  o.ignore_result = !s.store_results;
  fill(app, s, o);
  const std::string sentinel_id = send_sentinel(app, o);

  std::mutex mu;
  std::condition_variable cv;
  std::optional<clock_type::time_point> done_at;
  std::atomic<std::size_t> executed{0};

  std::atomic<std::size_t> errors{0};
  const fc::worker_options wo = drain_worker_options(s, errors);
  fc::worker w{app.broker(), app.backend(), wo};
  w.register_task("bench.add", [&executed](const fc::json& a, const fc::json&, fc::task_context&) {
    executed.fetch_add(1, std::memory_order_relaxed);
    return fc::json(a[0].get<long long>() + a[1].get<long long>());
  });
  w.register_task("bench.done", [&](const fc::json&, const fc::json&, fc::task_context&) {
    {
      std::lock_guard lk(mu);
      done_at = clock_type::now();
    }
    cv.notify_all();
    return fc::json(true);
  });
  // With results, the clock stops when the sentinel's SUCCESS arrives on its result channel.
  std::optional<std::thread> waiter;
  std::optional<clock_type::time_point> stored_at;
  std::exception_ptr wait_error;
  const auto limit = std::chrono::milliseconds(static_cast<long long>(s.max_seconds * 1000));
  if (s.store_results) {
    waiter.emplace([&] {
      try {
        (void)app.result(sentinel_id).wait(limit);
        stored_at = clock_type::now();
      } catch (...) {
        wait_error = std::current_exception();
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it subscribe first
  }
  ferry_bench::server_cpu_clock server_cpu{s.server_pids};
  server_cpu.start();
  const auto t0 = clock_type::now();
  std::thread runner([&w] { w.run(); });
  {
    std::unique_lock lk(mu);
    cv.wait_for(lk, std::chrono::duration<double>(s.max_seconds),
                [&] { return done_at.has_value(); });
  }
  if (waiter) waiter->join();
  // What the servers' CPU spent per task while the worker ran.
  const std::string server_cpu_field = server_cpu.field("server_cpu_us_per_task", s.tasks + 1);
  w.stop();
  runner.join();
  const std::size_t left = queued(s, *app.broker());
  const std::string extra = " concurrency=" + std::to_string(s.concurrency) +
                            " prefetch=" + std::to_string(wo.prefetch) +
                            " backend=" + (s.store_results ? "1" : "0") + server_cpu_field;
  const auto end = s.store_results ? stored_at : done_at;
  if (!end) {
    if (wait_error) std::fprintf(stderr, "# waiting for the sentinel's result failed\n");
    print_line("drain", executed.load(), s.max_seconds, extra + " unfinished=1");
    return;
  }
  if (left != 0 || executed.load() != s.tasks)
    std::fprintf(stderr, "# drain: %zu of %zu executed, %zu still queued\n", executed.load(),
                 s.tasks, left);
  print_line("drain", s.tasks, std::chrono::duration<double>(*end - t0).count(), extra);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"ferry Celery client/worker benchmark (peer: tests/bench/peers/celery)"};
  settings s;
  cli.add_option("--broker-url", s.broker_url,
                 "redis://... (its database is flushed) or amqp://... (the queue is purged)");
  cli.add_option("--backend-url", s.backend_url, "result backend (its database is flushed)");
  cli.add_option("--queue", s.queue, "queue name");
  cli.add_option("--shape", s.shape, "send | send_batched | drain | fetch")
      ->check(CLI::IsMember({"send", "send_batched", "drain", "fetch"}));
  cli.add_option("-n,--tasks", s.tasks, "tasks per run");
  cli.add_option("--batch", s.batch, "tasks per send_tasks() call (send_batched)");
  cli.add_option("-c,--concurrency", s.concurrency, "worker handler threads (drain)");
  cli.add_option("--prefetch", s.prefetch,
                 "drain, fetch: worker prefetch (default 4 x concurrency)");
  cli.add_flag("--store-results", s.store_results, "drain: store every result in the backend");
  cli.add_option("--max-seconds", s.max_seconds, "bound on each timed phase");
  cli.add_option("--server-pid", s.server_pids,
                 "drain: report the CPU time these server processes spent per task");
  cli.add_flag("--pipelined", s.pipelined,
               "send: send_task does not wait for each confirm (RabbitMQ: wait_for_confirm = "
               "false) or reply (Redis: wait_for_reply = false)");
  CLI11_PARSE(cli, argc, argv);
  try {
    std::shared_ptr<fc::broker> broker;
    // The broker the URL names; --pipelined: without waiting for each reply or confirm.
    if (!is_amqp(s.broker_url))
      broker = std::make_shared<fc::redis::broker>(
          std::make_shared<ferry::redis::client>(s.broker_url),
          fc::redis::transport_options{.wait_for_reply = !s.pipelined});
    else
      broker = std::make_shared<fc::amqp::broker>(
          s.broker_url, fc::amqp::transport_options{.wait_for_confirm = !s.pipelined});
    auto results = std::make_shared<ferry::redis::client>(s.backend_url);
    const auto flush_results = [&] { results->command({"FLUSHDB"}).throw_if_error(); };
    clear_broker(s, *broker);
    flush_results();
    fc::client app{broker, std::make_shared<fc::redis::backend>(results)};
    if (s.shape == "send")
      run_send(app, *broker, s);
    else if (s.shape == "send_batched")
      run_send_batched(app, s);
    else if (s.shape == "fetch")
      run_fetch(app, *broker, s);
    else
      run_drain(app, s);
    clear_broker(s, *broker);
    flush_results();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ferry-bench-celery: %s\n", e.what());
    return 1;
  }
}
