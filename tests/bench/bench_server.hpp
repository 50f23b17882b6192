// The Redis a benchmark runs against: argv[1] if given, else a fresh redis-server from the
// test harness (when built with the tests).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#if FERRY_BENCH_HARNESS
#include "ferry_test/servers.hpp"
#endif

namespace ferry::bench {

struct redis_target {
  std::string url;
#if FERRY_BENCH_HARNESS
  std::unique_ptr<ferry::test::redis_server> server;
#endif
};

inline redis_target redis_for(int argc, char** argv) {
  redis_target t;
  if (argc > 1) {
    t.url = argv[1];
    return t;
  }
#if FERRY_BENCH_HARNESS
  t.server = std::make_unique<ferry::test::redis_server>();
  t.url = t.server->url();
  return t;
#else
  throw std::invalid_argument("usage: bench <redis-url>");
#endif
}

}  // namespace ferry::bench
