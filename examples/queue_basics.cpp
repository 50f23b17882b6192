// A reliable queue in one process: produce, work with retries, look at the DLQ.
//   example_queue_basics [redis://127.0.0.1:6379/0]
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <ferry/queue/queue.hpp>
#include <ferry/redis/client.hpp>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  ferry::redis::client redis{argc > 1 ? argv[1] : "redis://127.0.0.1:6379/0"};

  // MAX_RETRY_ATTEMPTS, RETRY_BACKOFF_BASE_SECONDS, DLQ_RETENTION_DAYS from the environment;
  // a short backoff so the example finishes quickly.
  auto opts = ferry::queue::queue_options::from_env();
  opts.retry.base = 100ms;
  opts.lease = 30s;
  ferry::queue::queue emails{redis, "example-emails", opts};

  emails.enqueue("newsletter to bob");
  emails.enqueue("OTP for bob", {.priority = 10});  // served first
  emails.enqueue("OTP for alice", {.priority = 10, .dedup_key = "otp:alice"});
  emails.enqueue("again", {.priority = 10, .dedup_key = "otp:alice"});  // no-op while pending
  emails.enqueue("reminder", {.delay = 200ms});
  emails.enqueue("broken payload");

  // A worker loop: reserve (blocks without polling), process, ack or fail.
  while (auto job = emails.reserve(1s)) {
    try {
      if (job->payload == "broken payload") throw std::runtime_error("cannot parse");
      std::printf("sent: %s (attempt %d)\n", job->payload.c_str(), job->attempts);
      emails.ack(*job);
    } catch (const std::exception& e) {
      const auto r = emails.fail(*job, e.what());
      std::printf("failed: %s -> %s\n", job->payload.c_str(),
                  r.outcome == ferry::queue::fail_outcome::dead_lettered ? "DLQ" : "retry later");
    }
  }

  // Admin view: what is dead, and why.
  for (const auto& d : emails.list_dead()) {
    std::printf("dead: %s after %d attempts: %s (worker %s)\n", d.payload.c_str(), d.attempts,
                d.error.c_str(), d.worker.c_str());
  }
  const auto s = emails.stats();
  std::printf("processed=%lld failed=%lld dead=%lld\n", static_cast<long long>(s.processed),
              static_cast<long long>(s.failed), static_cast<long long>(s.dead));
  emails.destroy();
}
