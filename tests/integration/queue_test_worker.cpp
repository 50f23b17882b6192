// A worker process for the queue's fault tests (forked by queue_test.cpp).
//   hold <url> <queue> <lease_ms>          reserve one job, record its id, then hang until killed
//   work <url> <queue> <fail_percent> <seed>  process jobs until "<queue>:stop" exists
//   prefetch <url> <queue> <lease_ms>      a queue::worker (concurrency 1, prefetch 8) whose
//                                          handler records its job id and hangs until killed
// "work" records each successfully processed job in the hash "<queue>:done" (id -> lease token)
// BEFORE acking (the side effect of an at-least-once consumer) and counts in "<queue>:dupes"
// the jobs it processed although another delivery already had.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "ferry/core/error.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/queue/worker.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"

namespace {

using namespace std::chrono_literals;

ferry::queue::queue_options fast_options() {
  ferry::queue::queue_options o;
  o.retry.max_attempts = 3;
  o.retry.base = 10ms;
  o.retry.cap = 50ms;
  o.retry.jitter = ferry::jitter_mode::none;
  o.lease = 5s;
  return o;
}

// Repeats `op` through transient failures (Redis restarting) for up to ~20 s.
template <class F>
auto retry(F&& op) -> decltype(op()) {
  for (int i = 0;; ++i) {
    try {
      return op();
    } catch (const ferry::error& e) {
      if (!e.is_transient() || i > 400) throw;
      std::this_thread::sleep_for(50ms);
    }
  }
}

int hold(const std::string& url, const std::string& name, long lease_ms) {
  ferry::redis::client redis{url};
  ferry::queue::queue q{redis, name, fast_options()};
  auto j = q.reserve(10s, std::chrono::milliseconds{lease_ms});
  if (!j) return 3;
  redis.command({"SET", name + ":held", j->id});
  for (;;) ::pause();  // until SIGKILL
}

int prefetch(const std::string& url, const std::string& name, long lease_ms) {
  ferry::redis::client redis{url};
  ferry::queue::queue q{redis, name, fast_options()};
  ferry::queue::worker w{
      q,
      [&](const ferry::queue::job& j) {
        redis.command({"SET", name + ":held", j.id});
        for (;;) ::pause();  // until SIGKILL
      },
      {.concurrency = 1, .prefetch = 8, .lease = std::chrono::milliseconds{lease_ms}}};
  w.start();
  for (;;) ::pause();
}

int work(const std::string& url, const std::string& name, int fail_percent, unsigned seed) {
  auto opts = ferry::redis::parse_url(url);
  opts.pool.reconnect_backoff_base = 20ms;
  opts.pool.reconnect_backoff_max = 200ms;
  opts.command_timeout = 2s;
  ferry::redis::client redis{opts};
  ferry::queue::queue q{redis, name, fast_options()};
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> pct{0, 99};
  const std::string stop_key = name + ":stop";
  const std::string done_key = name + ":done";
  for (;;) {
    try {
      if (redis.command({"EXISTS", stop_key}).as_integer() == 1) return 0;
      auto j = q.reserve(200ms);
      if (!j) continue;
      if (pct(rng) < fail_percent) {
        (void)retry([&] { return q.fail(*j, "random failure"); });
        continue;
      }
      // HSETNX with this delivery's token: a retried write of our own is not a duplicate,
      // a second delivery of an already processed job is.
      const auto first = retry([&] {
        return redis.command({"HSETNX", done_key, j->id, j->lease_token}).as_integer();
      });
      if (first == 0) {
        const auto owner = retry([&] { return redis.command({"HGET", done_key, j->id}); });
        if (owner.as_optional_string() != j->lease_token) {
          retry([&] { return redis.command({"INCR", name + ":dupes"}); });
        }
      }
      (void)retry([&] { return q.ack(*j); });
    } catch (const ferry::error& e) {
      if (!e.is_transient()) return 2;
      std::this_thread::sleep_for(50ms);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return 64;
  const std::string mode = argv[1];
  if (mode == "hold" && argc == 5) return hold(argv[2], argv[3], std::atol(argv[4]));
  if (mode == "prefetch" && argc == 5) return prefetch(argv[2], argv[3], std::atol(argv[4]));
  if (mode == "work" && argc == 6) {
    return work(argv[2], argv[3], std::atoi(argv[4]), static_cast<unsigned>(std::atol(argv[5])));
  }
  return 64;
}
