// ferry-bench-cache — throughput of cache<T> hits, printed as
//   bench=<name> side=<ferry|peer> value=<ops/s> unit=ops/s
//
//   cache.hit_redis   get() of a ~200-byte JSON value through cache<T> over one connection
//                     (GET + header check + JSON decode); the peer is a bare GET of the same
//                     bytes on a ferry::redis::connection: the round trip is the limit.
//   cache.hit_near    get() answered by the near cache (in-process LRU, no I/O).
//
// Redis: $FERRY_BENCH_REDIS_URL, or a redis-server started for the run.
// Usage: ferry-bench-cache [seconds per measurement, default 2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "ferry/cache/cache.hpp"
#include "ferry/codec_json.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/connection.hpp"
#include "ferry/redis/url.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct profile {
  std::string email;
  std::string name;
  int tier = 0;
  std::vector<std::string> roles;
  std::string locale;
  long long created = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(profile, email, name, tier, roles, locale, created)

profile sample() {
  return {"ada.lovelace@logging.email",    "Ada Lovelace", 3,
          {"admin", "billing", "support"}, "en_GB",        1700000000123};
}

// Runs `op` in batches until `span` has passed; returns operations per second.
template <class Op>
double measure(std::chrono::duration<double> span, Op op) {
  std::size_t n = 0;
  auto start = steady::now();
  auto end = start + span;
  while (steady::now() < end) {
    for (int i = 0; i < 256; ++i) op();
    n += 256;
  }
  double secs = std::chrono::duration<double>(steady::now() - start).count();
  return static_cast<double>(n) / secs;
}

void print(const char* name, const char* side, double ops) {
  std::printf("bench=%s side=%s value=%.0f unit=ops/s\n", name, side, ops);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::chrono::duration<double> span{argc > 1 ? std::atof(argv[1]) : 2.0};
  std::unique_ptr<ferry::test::redis_server> server;
  std::string url;
  if (const char* u = std::getenv("FERRY_BENCH_REDIS_URL")) {
    url = u;
  } else {
    server = std::make_unique<ferry::test::redis_server>();
    url = server->url();
  }

  auto opts = ferry::redis::parse_url(url);
  opts.pool.max_connections = 1;  // one connection, as the benchmark says
  ferry::redis::client redis{opts};
  const std::string ns = "bench:cache:" + std::to_string(::getpid()) + ":";

  ferry::cache::cache<profile> c{redis, ns};
  c.set("p", sample(), 10min);
  std::string raw = redis.command({"GET", ns + "p"}).as_string();
  std::fprintf(stderr, "stored entry: %zu bytes\n", raw.size());
  volatile std::size_t sink = 0;

  print("cache.hit_redis", "ferry", measure(span, [&] { sink = sink + c.get("p")->name.size(); }));
  {
    ferry::redis::connection conn{url};
    const std::string key = ns + "p";
    print("cache.hit_redis", "peer", measure(span, [&] {
            sink = sink + conn.command({"GET", key}).as_string().size();
          }));
  }

  ferry::cache::cache_options near;
  near.near.enabled = true;
  ferry::cache::cache<profile> n{redis, ns, near};
  for (int i = 0; i < 500 && !n.stats().near_active; ++i) std::this_thread::sleep_for(10ms);
  for (int i = 0; i < 3; ++i) (void)n.get("p");  // fill (our own set invalidated it once)
  std::this_thread::sleep_for(50ms);
  (void)n.get("p");
  print("cache.hit_near", "ferry", measure(span, [&] { sink = sink + n.get("p")->name.size(); }));
  auto s = n.stats();
  std::fprintf(stderr, "near hits %llu of %llu hits\n",
               static_cast<unsigned long long>(s.near_hits),
               static_cast<unsigned long long>(s.hits));

  c.clear();
  return sink == 0 ? 1 : 0;
}
