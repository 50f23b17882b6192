// ferry-bench-queue: reliable-queue throughput as full enqueue + reserve + ack cycles per
// second, with 1 and with 50 worker threads sharing one client.
//
//   ferry-bench-queue --url redis://127.0.0.1:6379/9 --cycles 3000
//
// The 50-thread run uses a pool of 50 connections: a thread holds one connection while it
// blocks in reserve(), and one per thread lets the 50 round trips overlap on the server (a
// smaller pool only adds pool waits; the single-threaded server is the limit). Beside each
// ferry line a "ping3" line gives the physical limit of three plain round trips per cycle.
// Prints: bench=queue.cycle_c1|queue.cycle_c50 side=ferry|ping3 value=<cycles/s> unit=jobs/s
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
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double run(ferry::queue::queue& q, int threads, int cycles_per_thread) {
  std::atomic<long> done{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < cycles_per_thread; ++i) {
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

double ping3(ferry::redis::client& c, int threads, int cycles_per_thread) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < cycles_per_thread * 3; ++i) (void)c.command({"PING"});
    });
  }
  for (auto& th : pool) th.join();
  return threads * cycles_per_thread / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry reliable queue benchmark"};
  std::string url = "redis://127.0.0.1:6379/9";
  int cycles = 3000;
  app.add_option("--url", url, "Redis URL");
  app.add_option("--cycles", cycles, "cycles per run (split across threads)");
  CLI11_PARSE(app, argc, argv);

  auto opts = ferry::redis::parse_url(url);
  opts.pool.max_connections = 50;
  ferry::redis::client redis{opts};
  ferry::queue::queue q{redis, "bench-" + std::to_string(::getpid())};
  (void)run(q, 1, 200);  // warm-up: load the scripts, open connections
  std::printf("bench=queue.cycle_c1 side=ferry value=%.0f unit=jobs/s\n", run(q, 1, cycles));
  std::printf("bench=queue.cycle_c1 side=ping3 value=%.0f unit=jobs/s\n", ping3(redis, 1, cycles));
  std::printf("bench=queue.cycle_c50 side=ferry value=%.0f unit=jobs/s\n",
              run(q, 50, std::max(cycles / 50, 1)));
  std::printf("bench=queue.cycle_c50 side=ping3 value=%.0f unit=jobs/s\n",
              ping3(redis, 50, std::max(cycles / 50, 1)));
  q.destroy();
}
