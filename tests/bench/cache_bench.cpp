// ferry-bench-cache: cache<T> hits, so scripts/bench can set them beside a bare GET.
//
//   ferry-bench-cache --url redis://127.0.0.1:6379/9
//                     [--shape hit_redis|hit_near|hit_near_shared|raw_get]
//                     [--seconds 2]
//
// Shapes (default: hit_redis then hit_near, one line each):
//   hit_redis  get() of a ~200-byte JSON value through cache<T> over one pooled connection:
//              GET + header check + JSON decode. Its physical limit is raw_get.
//   hit_near   get() answered by the near cache (in-process LRU kept coherent by Redis); the
//              value is copied out (get() returns std::optional<T>): two allocations here.
//   hit_near_shared  get_shared() answered by the near cache: the cached object is shared,
//              not copied.
//   raw_get    the peer: a bare GET of the same bytes on one ferry::redis::connection.
// Prints: bench=cache.<shape> side=ferry value=<ops/s> unit=ops/s
#include <unistd.h>
#include <ferry/cache/cache.hpp>
#include <ferry/core/codec_json.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/redis/connection.hpp>
#include <ferry/redis/url.hpp>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct profile {
  std::string email;
  std::string name;
  int tier = 0;
  std::vector<std::string> roles;
  std::string locale;
  std::string timezone;
  long long created = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(profile, email, name, tier, roles, locale, timezone, created)

profile sample() {
  return {"ada.lovelace@logging.email",
          "Ada Lovelace",
          3,
          {"admin", "billing", "support"},
          "en_GB",
          "Europe/London",
          1700000000123};
}

// Runs `op` in batches until `span` has passed; returns operations per second.
template <class Op>
double measure(std::chrono::duration<double> span, Op op) {
  for (int i = 0; i < 1000; ++i) op();  // warm-up
  std::size_t n = 0;
  auto start = steady::now();
  auto end = start + span;
  while (steady::now() < end) {
    for (int i = 0; i < 64; ++i) op();
    n += 64;
  }
  return static_cast<double>(n) / std::chrono::duration<double>(steady::now() - start).count();
}

void print(const std::string& shape, double ops) {
  std::printf("bench=cache.%s side=ferry value=%.0f unit=ops/s\n", shape.c_str(), ops);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry cache benchmark"};
  std::string url = "redis://127.0.0.1:6379/9";
  std::string shape = "all";
  double seconds = 2.0;
  app.add_option("--url", url, "Redis URL");
  app.add_option("--shape", shape, "hit_redis, hit_near, hit_near_shared, raw_get or all")
      ->check(CLI::IsMember({"hit_redis", "hit_near", "hit_near_shared", "raw_get", "all"}));
  app.add_option("--seconds", seconds, "time per measurement");
  CLI11_PARSE(app, argc, argv);
  const std::chrono::duration<double> span{seconds};

  auto opts = ferry::redis::parse_url(url);
  opts.pool.max_connections = 1;  // one connection
  ferry::redis::client redis{opts};
  const std::string ns = "bench:cache:" + std::to_string(::getpid()) + ":";
  ferry::cache::cache<profile> plain{redis, ns};
  plain.set("p", sample(), 10min);
  std::fprintf(stderr, "stored entry: %zu bytes\n",
               redis.command({"GET", ns + "p"}).as_string().size());
  std::size_t sink = 0;

  if (shape == "hit_redis" || shape == "all") {
    print("hit_redis", measure(span, [&] { sink += plain.get("p")->name.size(); }));
  }
  if (shape == "raw_get") {
    ferry::redis::connection conn{opts};
    const std::string key = ns + "p";
    print("raw_get", measure(span, [&] { sink += conn.command({"GET", key}).as_string().size(); }));
  }
  if (shape == "hit_near" || shape == "hit_near_shared" || shape == "all") {
    ferry::cache::cache_options o;
    o.near.enabled = true;
    ferry::cache::cache<profile> near{redis, ns, o};
    for (int i = 0; i < 500 && !near.stats().near_active; ++i) std::this_thread::sleep_for(10ms);
    (void)near.get("p");  // the first read fills the near cache
    if (shape != "hit_near_shared") {
      print("hit_near", measure(span, [&] { sink += near.get("p")->name.size(); }));
    }
    if (shape != "hit_near") {
      print("hit_near_shared", measure(span, [&] { sink += near.get_shared("p")->name.size(); }));
    }
    auto s = near.stats();
    std::fprintf(stderr, "near hits: %llu of %llu\n", static_cast<unsigned long long>(s.near_hits),
                 static_cast<unsigned long long>(s.hits));
  }
  plain.clear();
  return sink == 0 ? 1 : 0;
}
