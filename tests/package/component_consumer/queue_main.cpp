// A program that uses only ferry::queue: its options from the environment, and an enqueue that
// fails cleanly with Redis unreachable, which proves the queue, the Redis client and hiredis
// are linked.
#include <ferry/core/error.hpp>
#include <ferry/queue/queue.hpp>
#include <ferry/redis/client.hpp>

#include <cstring>
#include <iostream>

int main() {
  const auto options = ferry::queue::queue_options::from_env([](const char* name) {
    return std::strcmp(name, "MAX_RETRY_ATTEMPTS") == 0 ? "4" : nullptr;
  });
  if (options.retry.max_attempts != 4) return 1;
  ferry::redis::client redis{"redis://127.0.0.1:1/0?connect_timeout=500ms"};
  ferry::queue::queue jobs{redis, "consumer", options};
  try {
    (void)jobs.enqueue("{}");
    return 1;
  } catch (const ferry::error& e) {
    if (!e.is_transient()) return 1;
  }
  std::cout << "queue: " << options.retry.max_attempts << " attempts; enqueue failed cleanly\n";
  return 0;
}
