// ferry-bench-redis: round trips through ferry's Redis client in the shapes redis-benchmark
// measures, so scripts/bench can put the two side by side on the same server and CPUs.
//
//   ferry-bench-redis --url redis://127.0.0.1:6379/9 --shape get_c1_P1 --requests 25000
//
// Shapes: get_c1_P1 (one connection, one GET per round trip, through client::command — the
// pool is part of what users pay), get_c1_P16 (16-deep pipelines on one leased connection).
// Keys are key:%012d over a keyspace like redis-benchmark's -r, so both read the same data.
// Prints one line: bench=<shape> side=ferry value=<ops/s> unit=ops/s p50_us=.. p99_us=..
#include <ferry/redis/client.hpp>
#include <ferry/redis/pipeline.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

std::string key_for(std::uint32_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key:%012u", n);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry Redis client benchmark (shapes of redis-benchmark)"};
  std::string url = "redis://127.0.0.1:6379/9";
  std::string shape = "get_c1_P1";
  std::uint32_t requests = 25000;
  std::uint32_t keyspace = 100000;
  app.add_option("--url", url, "Redis URL");
  app.add_option("--shape", shape, "get_c1_P1 or get_c1_P16")
      ->check(CLI::IsMember({"get_c1_P1", "get_c1_P16"}));
  app.add_option("--requests", requests, "GETs to time");
  app.add_option("--keyspace", keyspace, "random keys drawn from [0, keyspace)");
  CLI11_PARSE(app, argc, argv);

  ferry::redis::client redis(url);
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::uint32_t> pick(0, keyspace - 1);
  std::vector<std::string> keys(1024);
  for (auto& k : keys) k = key_for(pick(rng));

  std::vector<double> latencies_us;
  std::size_t found = 0;
  const auto start = clock_type::now();
  if (shape == "get_c1_P1") {
    latencies_us.reserve(requests);
    for (std::uint32_t i = 0; i < requests; ++i) {
      const auto t0 = clock_type::now();
      const auto r = redis.command({"GET", keys[i % keys.size()]});
      latencies_us.push_back(
          std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
      found += r.is_nil() ? 0U : 1U;
    }
  } else {
    constexpr std::size_t depth = 16;
    auto lease = redis.acquire();
    for (std::uint32_t i = 0; i < requests; i += depth) {
      ferry::redis::pipeline p;
      for (std::size_t j = 0; j < depth; ++j) p.add({"GET", keys[(i + j) % keys.size()]});
      const auto t0 = clock_type::now();
      const auto replies = p.exec(*lease);
      latencies_us.push_back(
          std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
      for (const auto& r : replies) found += r.is_nil() ? 0U : 1U;
    }
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::sort(latencies_us.begin(), latencies_us.end());
  const auto pct = [&](double q) {
    return latencies_us[static_cast<std::size_t>(q * static_cast<double>(latencies_us.size() - 1))];
  };
  std::printf("bench=%s side=ferry value=%.0f unit=ops/s p50_us=%.1f p99_us=%.1f hits=%zu\n",
              shape.c_str(), requests / seconds, pct(0.50), pct(0.99), found);
  return 0;
}
