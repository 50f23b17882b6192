// cache_basics — cache-aside with ferry::cache: a policy check whose TTL depends on the
// answer, a cached "no such user", and a memoized function.
//
//   REDIS_URL=redis://127.0.0.1:6379/0 ./example_cache_basics
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "ferry/cache/cache.hpp"
#include "ferry/cache/report.hpp"
#include "ferry/redis/client.hpp"

using namespace std::chrono_literals;

// Stand-ins for the database.
static std::string query_policy(const std::string& address) {
  std::printf("  (database: policy for %s)\n", address.c_str());
  return address.ends_with("@logging.email") ? "OK" : "REJECT";
}
static std::optional<std::string> query_user_name(const std::string& email) {
  std::printf("  (database: user %s)\n", email.c_str());
  if (email == "ada@logging.email") return "Ada";
  return std::nullopt;
}

int main() {
  const char* url = std::getenv("REDIS_URL");
  ferry::redis::client redis{url != nullptr ? url : "redis://127.0.0.1:6379/0"};
  auto options = ferry::cache::cache_options::from_env();  // CACHE_ENABLED, CACHE_DEFAULT_TTL

  // 1. get_or_set with a TTL chosen by value: OK answers for 5 minutes, REJECT for 1.
  ferry::cache::cache<std::string> policy{redis, "example:policy:", options};
  auto ttl_for = [](const std::string& verdict) { return verdict == "OK" ? 300s : 60s; };
  for (int i = 0; i < 2; ++i) {
    for (std::string address : {"user@logging.email", "spam@example.com"}) {
      auto verdict = policy.get_or_set(
          address, [&] { return query_policy(address); }, ttl_for);
      std::printf("%s -> %s\n", address.c_str(), verdict.c_str());
    }
  }
  policy.del("user@logging.email");  // e.g. the address was deleted

  // 2. Negative caching: a loader returning std::optional caches "not found" too.
  ferry::cache::cache<std::string> users{redis, "example:user_by_email:", options};
  for (int i = 0; i < 2; ++i) {
    auto name =
        users.get_or_set("bob@logging.email", [] { return query_user_name("bob@logging.email"); });
    std::printf("bob -> %s\n", name ? name->c_str() : "(no such user)");
  }

  // 3. memoize: the key is derived from the arguments ("example:api:memo:square:<sha1>").
  ferry::cache::cache<long long> api{redis, "example:api:", options};
  auto square = api.memoize("square", 5min, [](long long x) {
    std::printf("  (computing %lld^2)\n", x);
    return x * x;
  });
  std::printf("square(12) = %lld, again = %lld\n", square(12), square(12));

  // What an /admin/cache/stats endpoint would return.
  auto report = ferry::cache::cache_report(redis, {policy.stats(), users.stats(), api.stats()});
  std::printf("%s\n", ferry::cache::to_json(report).c_str());
  policy.clear();
  users.clear();
  api.clear();
}
