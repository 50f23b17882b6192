// ferry-bench-queue: a queue::worker draining pre-filled no-op jobs, measured like BullMQ's
// worker benchmark (tests/bench/peers/node/queue_bullmq.js) so the two sit side by side.
//
//   ferry-bench-queue --url redis://127.0.0.1:6379/9 --jobs 20000 --concurrency 50
//
// Each job is a full enqueue + reserve + ack cycle: enqueue_many pre-fills the queue (not
// timed, as BullMQ's addBulk), then the clock runs from worker start() to the N-th ack. The
// worker keeps at-least-once delivery (jobs are leased, only acks remove them); it uses its
// default prefetch. --shape cycle times the plain one-job-at-a-time API instead (enqueue,
// reserve, ack per job on `concurrency` threads) for comparison.
// Prints: bench=queue.worker_c<N>|queue.cycle_c<N> side=ferry value=<jobs/s> unit=jobs/s
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "ferry/queue/queue.hpp"
#include "ferry/queue/worker.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void fill(ferry::queue::queue& q, int jobs) {
  std::vector<std::string> payloads;
  for (int i = 0; i < jobs; i += 1000) {
    payloads.clear();
    for (int k = i; k < std::min(jobs, i + 1000); ++k) {
      payloads.push_back("{\"i\":" + std::to_string(k) + "}");
    }
    (void)q.enqueue_many(payloads);
  }
}

// Jobs per second of a worker with `concurrency` handler threads draining `jobs` jobs.
double drain(ferry::queue::queue& q, int jobs, int concurrency) {
  fill(q, jobs);
  std::atomic<long> handled{0};
  ferry::queue::worker w{q,
                         [&](const ferry::queue::job&) { ++handled; },
                         {.concurrency = static_cast<std::size_t>(concurrency)}};
  const auto t0 = std::chrono::steady_clock::now();
  w.start();
  const auto deadline = t0 + 60s;
  while (w.stats().acked < static_cast<std::uint64_t>(jobs) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200us);
  }
  const double el = seconds_since(t0);
  const auto acked = w.stats().acked;
  w.stop();
  return static_cast<double>(acked) / el;
}

// The one-job-at-a-time API: enqueue, reserve, ack per job on each thread.
double cycle(ferry::queue::queue& q, int jobs, int threads) {
  std::atomic<long> done{0};
  const int per_thread = std::max(jobs / threads, 1);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        q.enqueue("payload-0123456789");
        if (auto j = q.reserve(5s)) {
          if (q.ack(*j)) ++done;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(done.load()) / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry reliable queue benchmark"};
  std::string url = "redis://127.0.0.1:6379/9";
  std::string shape = "worker";
  int jobs = 20000;
  int concurrency = 1;
  app.add_option("--url", url, "Redis URL");
  app.add_option("--shape", shape, "worker | cycle")->check(CLI::IsMember({"worker", "cycle"}));
  app.add_option("--jobs", jobs, "jobs to drain");
  app.add_option("--concurrency", concurrency, "handler threads");
  CLI11_PARSE(app, argc, argv);

  auto opts = ferry::redis::parse_url(url);
  // Threads blocked in reserve() each hold a connection (cycle shape); the worker needs ~3.
  opts.pool.max_connections = static_cast<std::size_t>(std::max(concurrency, 4));
  ferry::redis::client redis{opts};
  ferry::queue::queue q{redis, "bench-" + std::to_string(::getpid())};
  (void)cycle(q, 200, 1);  // warm-up: load the scripts, open connections
  const double v = shape == "worker" ? drain(q, jobs, concurrency) : cycle(q, jobs, concurrency);
  std::printf("bench=queue.%s_c%d side=ferry value=%.0f unit=jobs/s\n", shape.c_str(), concurrency,
              v);
  q.destroy();
}
