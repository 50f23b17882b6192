// ferry-bench-ratelimit: rate-limiter decisions per second, in the shapes of its peers
// (tests/bench/peers: Python `limits` moving window, rate-limiter-flexible, and
// redis-benchmark EVALSHA of a one-line script).
//
//   ferry-bench-ratelimit --url redis://127.0.0.1:6379/9 --algo log --concurrency 1
//
// concurrency 1: one thread calls redis_limiter::acquire() in a loop on one connection (one
// script round trip per decision, like limits' hit() and an awaited consume()).
// concurrency N: N threads share one coalescing_limiter (pool of 2 connections), which
// gathers their concurrent calls into one script per round trip, like N promises in flight
// on rate-limiter-flexible's one ioredis connection.
// --batch B (with concurrency 1): one thread calls redis_limiter::acquire_many() with B
// requests at a time, B decisions per script call (B requests outstanding from one thread,
// as rate-limiter-flexible's B promises from its one JavaScript thread).
// The limit is never reached (1e9 per hour, as in the peers' "allowed" path) so every
// decision takes the write path; --limit changes that.
// Prints: bench=ratelimit.<algo>_c<N>|<algo>_batch<B> side=ferry value=<decisions/s>
// unit=decisions/s
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "ferry/ratelimit/coalescing_limiter.hpp"
#include "ferry/ratelimit/redis_limiter.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

using namespace std::chrono_literals;
namespace rl = ferry::ratelimit;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `threads` threads making `n` decisions in all through `limiter`.
double run(rl::rate_limiter& limiter, int threads, int n) {
  std::atomic<int> left{n};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (left.fetch_sub(1, std::memory_order_relaxed) > 0) (void)limiter.acquire("user-1");
    });
  }
  for (auto& th : pool) th.join();
  return n / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry rate limiter benchmark"};
  std::string url = "redis://127.0.0.1:6379/9";
  std::string algo = "log";
  int n = 20000;
  int concurrency = 1;
  int batch = 0;
  int in_flight = 2;
  long long limit = 1'000'000'000;
  app.add_option("--url", url, "Redis URL");
  app.add_option("--algo", algo, "log | window | fixed")
      ->check(CLI::IsMember({"log", "window", "fixed"}));
  app.add_option("--requests", n, "decisions to time");
  app.add_option("--concurrency", concurrency, "calling threads (> 1: coalescing_limiter)");
  app.add_option("--limit", limit, "decisions admitted per hour");
  app.add_option("--batch", batch, "requests per acquire_many call (one thread)");
  app.add_option("--in-flight", in_flight, "coalescing_limiter max_in_flight");
  CLI11_PARSE(app, argc, argv);

  auto opts = ferry::redis::parse_url(url);
  opts.pool.max_connections = concurrency == 1 ? 1 : 2;
  ferry::redis::client redis{opts};
  rl::redis_limiter_options lo;
  lo.limits = {{limit, 1h}};
  lo.algo = algo == "log"      ? rl::algorithm::sliding_log
            : algo == "window" ? rl::algorithm::sliding_window
                               : rl::algorithm::fixed_window;
  lo.key_prefix = "bench-rl-" + std::to_string(::getpid());
  double v = 0;
  std::string shape = "c" + std::to_string(concurrency);
  if (batch > 0) {
    shape = "batch" + std::to_string(batch);
    rl::redis_limiter limiter{redis, lo};
    const std::vector<rl::rate_request> requests(static_cast<std::size_t>(batch), {"user-1", 1});
    (void)limiter.acquire_many(requests);
    limiter.reset("user-1");
    const int calls = std::max(n / batch, 1);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) (void)limiter.acquire_many(requests);
    v = calls * batch / seconds_since(t0);
    limiter.reset("user-1");
  } else if (concurrency == 1) {
    rl::redis_limiter limiter{redis, lo};
    (void)run(limiter, 1, 500);  // warm-up: load the script, open the connection
    limiter.reset("user-1");
    v = run(limiter, 1, n);
    limiter.reset("user-1");
  } else {
    rl::coalescing_limiter limiter{
        redis, lo, {.max_in_flight = static_cast<std::size_t>(in_flight)}};
    (void)run(limiter, concurrency, 500);
    limiter.reset("user-1");
    const auto b0 = limiter.batches();
    v = run(limiter, concurrency, n);
    std::fprintf(stderr, "mean batch %.1f\n",
                 static_cast<double>(n) / static_cast<double>(limiter.batches() - b0));
    limiter.reset("user-1");
  }
  std::printf("bench=ratelimit.%s_%s side=ferry value=%.0f unit=decisions/s\n", algo.c_str(),
              shape.c_str(), v);
}
