// Rate-limiter decisions per second on one connection (the exact sliding log, one limit),
// next to plain PING round trips on the same connection as the physical limit.
#include <chrono>
#include <cstdio>
#include <string>

#include <unistd.h>

#include "bench_server.hpp"
#include "ferry/ratelimit/redis_limiter.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  auto target = ferry::bench::redis_for(argc, argv);
  auto opts = ferry::redis::parse_url(target.url);
  opts.pool.max_connections = 1;
  ferry::redis::client redis{opts};
  const std::string prefix = "bench-rl-" + std::to_string(::getpid());
  ferry::ratelimit::redis_limiter limiter{redis,
                                          {.limits = {{1000, 1s}},
                                           .algo = ferry::ratelimit::algorithm::sliding_log,
                                           .key_prefix = prefix}};
  constexpr int n = 20000;
  for (int i = 0; i < 500; ++i) (void)limiter.acquire("warm");
  auto t0 = std::chrono::steady_clock::now();
  long allowed = 0;
  for (int i = 0; i < n; ++i) allowed += limiter.acquire("k").allowed ? 1 : 0;
  std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  std::printf("bench=ratelimit.sliding_log side=ferry value=%.0f\n", n / dt.count());
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) (void)redis.command({"PING"});
  dt = std::chrono::steady_clock::now() - t0;
  std::printf("bench=ratelimit.sliding_log side=ping value=%.0f\n", n / dt.count());
  limiter.reset("k");
  limiter.reset("warm");
  return allowed > 0 ? 0 : 1;
}
