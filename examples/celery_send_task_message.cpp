// Builds the exact message Celery's `add.apply_async((2, 3), countdown=60)` would send, wraps it
// in kombu's Redis envelope and reads it back. Pure data: no broker is contacted. Pushing the
// printed text with `LPUSH celery '<text>'` makes a Python Celery worker run tasks.add(2, 3).
#include <chrono>
#include <iostream>

#include <ferry/celery/protocol/kombu_redis.hpp>
#include <ferry/celery/protocol/task_request.hpp>
#include <ferry/core/error.hpp>

int main() {
  namespace fc = ferry::celery::protocol;
  fc::task_request request;
  request.task = "tasks.add";
  request.id = fc::new_task_id();
  request.args = {2, 3};
  request.eta = std::chrono::system_clock::now() + std::chrono::seconds(60);

  const fc::task_message message = fc::build_message(request);
  const std::string queue = fc::kombu_redis_queue_for_priority("celery", 0);
  const std::string envelope = fc::to_kombu_redis_json(message, "", "celery");
  std::cout << "LPUSH " << queue << "\n" << envelope << "\n";

  try {
    const fc::task_request back = fc::parse_message(fc::from_kombu_redis_json(envelope).message);
    std::cout << back.task << *back.argsrepr << " id " << back.id << "\n";
  } catch (const ferry::error& e) {
    std::cerr << "decode failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
