// Reliable-queue throughput: full enqueue + reserve + ack cycles per second, with 1 and with
// 50 worker threads sharing one client (a pool of 50 connections: a thread holds one while it
// blocks in reserve, and one per thread lets the 50 round trips overlap on the server).
// Peer line: the same number of plain round trips (PING x3) per second — the physical limit
// of three round trips per cycle on this machine.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "bench_server.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

using namespace std::chrono_literals;

namespace {

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
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  return static_cast<double>(done.load()) / dt.count();
}

double ping_cycles(ferry::redis::client& c, int cycles) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < cycles * 3; ++i) (void)c.command({"PING"});
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  return cycles / dt.count();
}

}  // namespace

int main(int argc, char** argv) {
  auto target = ferry::bench::redis_for(argc, argv);
  auto opts = ferry::redis::parse_url(target.url);
  opts.pool.max_connections = 50;
  ferry::redis::client redis{opts};
  ferry::queue::queue q{redis, "bench-" + std::to_string(::getpid())};
  (void)run(q, 1, 200);  // warm-up: load scripts, open connections
  std::printf("bench=queue.cycle_c1 side=ferry value=%.0f\n", run(q, 1, 3000));
  std::printf("bench=queue.cycle_c1 side=ping3 value=%.0f\n", ping_cycles(redis, 3000));
  std::printf("bench=queue.cycle_c50 side=ferry value=%.0f\n", run(q, 50, 200));
  q.destroy();
}
