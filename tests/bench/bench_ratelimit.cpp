// ferry-bench-ratelimit: exact (sliding log) rate-limiter decisions per second on one
// connection, beside plain PING round trips on the same connection (the physical limit: one
// decision is one EVALSHA round trip).
//
//   ferry-bench-ratelimit --url redis://127.0.0.1:6379/9 --requests 20000
//
// Prints: bench=ratelimit.sliding_log side=ferry|ping value=<decisions/s> unit=decisions/s
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "ferry/ratelimit/redis_limiter.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  CLI::App app{"ferry rate limiter benchmark"};
  std::string url = "redis://127.0.0.1:6379/9";
  int n = 20000;
  app.add_option("--url", url, "Redis URL");
  app.add_option("--requests", n, "decisions to time");
  CLI11_PARSE(app, argc, argv);

  auto opts = ferry::redis::parse_url(url);
  opts.pool.max_connections = 1;
  ferry::redis::client redis{opts};
  const std::string prefix = "bench-rl-" + std::to_string(::getpid());
  // 1000 per second: the log stays at <= 1000 entries, and most decisions are denials, as
  // under an attack; admissions and denials cost the same round trip.
  ferry::ratelimit::redis_limiter limiter{redis,
                                          {.limits = {{1000, 1s}},
                                           .algo = ferry::ratelimit::algorithm::sliding_log,
                                           .key_prefix = prefix}};
  for (int i = 0; i < 500; ++i) (void)limiter.acquire("warm");
  auto t0 = std::chrono::steady_clock::now();
  long allowed = 0;
  for (int i = 0; i < n; ++i) allowed += limiter.acquire("k").allowed ? 1 : 0;
  std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  std::printf("bench=ratelimit.sliding_log side=ferry value=%.0f unit=decisions/s\n",
              n / dt.count());
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) (void)redis.command({"PING"});
  dt = std::chrono::steady_clock::now() - t0;
  std::printf("bench=ratelimit.sliding_log side=ping value=%.0f unit=decisions/s\n",
              n / dt.count());
  limiter.reset("k");
  limiter.reset("warm");
  return allowed > 0 ? 0 : 1;
}
