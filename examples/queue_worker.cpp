// A queue::worker: 8 handler threads, batched round trips, failures retried, a clean stop.
//   example_queue_worker [redis://127.0.0.1:6379/0]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <ferry/queue/queue.hpp>
#include <ferry/queue/worker.hpp>
#include <ferry/redis/client.hpp>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  ferry::redis::client redis{argc > 1 ? argv[1] : "redis://127.0.0.1:6379/0"};
  auto opts = ferry::queue::queue_options::from_env();
  opts.retry.base = 50ms;  // quick retries for the example
  ferry::queue::queue thumbnails{redis, "example-thumbnails", opts};

  std::vector<std::string> payloads;
  for (int i = 0; i < 1000; ++i) payloads.push_back("image-" + std::to_string(i));
  thumbnails.enqueue_many(payloads);  // one pipelined round trip
  thumbnails.enqueue("corrupt");

  std::atomic<int> done{0};
  ferry::queue::worker w{
      thumbnails,
      [&](const ferry::queue::job& j) {
        if (j.payload == "corrupt") throw ferry::queue::permanent_failure("not an image");
        // A flaky dependency: every 100th image fails its first attempt, then is retried.
        if (j.attempts == 1 && j.payload.ends_with("00")) throw std::runtime_error("timeout");
        ++done;  // returning normally acks the job (batched with others)
      },
      {.concurrency = 8, .on_failure = [](const ferry::queue::job& j, std::string_view error) {
         std::printf("failed %s (attempt %d): %.*s\n", j.payload.c_str(), j.attempts,
                     static_cast<int>(error.size()), error.data());
       }}};
  w.start();
  while (thumbnails.stats().processed < 1000) std::this_thread::sleep_for(10ms);
  w.stop();  // finishes and acks what it already leased

  const auto s = w.stats();
  std::printf("handled %d, acked %llu in %llu round trips, dead letters: %lld\n", done.load(),
              static_cast<unsigned long long>(s.acked),
              static_cast<unsigned long long>(s.round_trips),
              static_cast<long long>(thumbnails.dead_count()));
  thumbnails.destroy();
}
