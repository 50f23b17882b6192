// A worker whose handler fails while the "mailserver" is down: jobs retry with backoff, then
// land in the DLQ, where ferry-retry-worker's admin API can requeue them.
//   example_queue_flaky_worker REDIS_URL QUEUE enqueue N
//   example_queue_flaky_worker REDIS_URL QUEUE work SECONDS [down]
// MAX_RETRY_ATTEMPTS and RETRY_BACKOFF_BASE_SECONDS come from the environment.
#include <chrono>
#include <cstdio>
#include <string>

#include <ferry/queue/queue.hpp>
#include <ferry/redis/client.hpp>

using namespace std::chrono;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s REDIS_URL QUEUE enqueue N | work SECONDS [down]\n", argv[0]);
    return 2;
  }
  ferry::redis::client redis{argv[1]};
  auto opts = ferry::queue::queue_options::from_env();
  opts.retry.jitter = ferry::jitter_mode::none;  // exact delays, for a readable demo
  ferry::queue::queue q{redis, argv[2], opts};
  const std::string mode = argv[3];

  if (mode == "enqueue") {
    for (int i = 1; i <= std::stoi(argv[4]); ++i) {
      const auto id = q.enqueue("email #" + std::to_string(i));
      std::printf("enqueued email #%d  id=%.8s\n", i, id.c_str());
    }
    return 0;
  }

  const bool down = argc > 5 && std::string(argv[5]) == "down";
  const auto start = steady_clock::now();
  const auto deadline = start + seconds(std::stoi(argv[4]));
  const auto at = [&] { return duration<double>(steady_clock::now() - start).count(); };
  while (steady_clock::now() < deadline) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    auto job = q.reserve(std::max(left, milliseconds(1)));
    if (!job) break;
    if (!down) {
      q.ack(*job);
      std::printf("%5.1fs  %s  attempt %d  sent\n", at(), job->payload.c_str(), job->attempts);
      continue;
    }
    const auto r = q.fail(*job, "SMTP 421: mailserver unavailable");
    if (r.outcome == ferry::queue::fail_outcome::retry_scheduled) {
      const auto in = duration<double>(*r.retry_at - system_clock::now()).count();
      std::printf("%5.1fs  %s  attempt %d/%d  failed, retry in %.1fs\n", at(), job->payload.c_str(),
                  job->attempts, job->max_attempts, in);
    } else {
      std::printf("%5.1fs  %s  attempt %d/%d  failed, moved to the DLQ\n", at(),
                  job->payload.c_str(), job->attempts, job->max_attempts);
    }
  }
  return 0;
}
