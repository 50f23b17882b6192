// Rate limiting logins: 5 per 5 minutes AND 100 per day per client IP, shared through Redis.
//   example_ratelimit_basics [redis://127.0.0.1:6379/0]
#include <chrono>
#include <cstdio>
#include <string>

#include <ferry/ratelimit/local_limiter.hpp>
#include <ferry/ratelimit/redis_limiter.hpp>
#include <ferry/redis/client.hpp>

using namespace std::chrono_literals;
namespace rl = ferry::ratelimit;

// Code that limits takes the interface, so tests can hand it a local_limiter.
bool try_login(rl::rate_limiter& limiter, const char* ip) {
  const auto d = limiter.acquire(std::string("login:") + ip);
  if (!d) {
    std::printf("%s: 429, retry after %lld ms\n", ip,
                static_cast<long long>(d.retry_after.count()));
    return false;
  }
  std::printf("%s: ok, %lld left%s\n", ip, static_cast<long long>(d.remaining),
              d.degraded ? " (limiter degraded: Redis unreachable)" : "");
  return true;
}

int main(int argc, char** argv) {
  ferry::redis::client redis{argc > 1 ? argv[1] : "redis://127.0.0.1:6379/0"};
  rl::redis_limiter logins{redis,
                           {.limits = {{5, 5min}, {100, 24h}},
                            .algo = rl::algorithm::sliding_log,  // exact
                            .key_prefix = "example:rl",
                            .on_failure = rl::failure_mode::open}};  // Redis down: let users in
  for (int i = 0; i < 7; ++i) try_login(logins, "203.0.113.7");
  logins.reset("login:203.0.113.7");

  // The familiar helper: a fixed-window counter returning allowed + current count.
  const auto r = rl::check_rate_limit(redis, "whatsapp", 1000, 24h, "example:rl");
  std::printf("whatsapp: allowed=%d count=%lld\n", r.allowed, static_cast<long long>(r.count));

  // The same interface in process memory (no Redis), e.g. for a single-process tool.
  rl::local_limiter local{{.limits = {{2, 1s}}}};
  for (int i = 0; i < 3; ++i) try_login(local, "198.51.100.1");
}
