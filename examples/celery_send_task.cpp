// Sends `tasks.add(2, 3)` to a Celery worker (Python or ferry-celery-worker) over Redis or
// RabbitMQ and waits for the result in Redis without polling. Same variables as the Python apps:
//   CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672// (or redis://127.0.0.1:6379/0)
//   CELERY_RESULT_BACKEND=redis://127.0.0.1:6379/1
// Optional: argv[1] = queue (default "celery"), argv[2], argv[3] = the two numbers.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ferry/celery/amqp/plugin.hpp>
#include <ferry/celery/client.hpp>
#include <ferry/celery/redis/plugin.hpp>
#include <ferry/celery/registry.hpp>
#include <ferry/core/error.hpp>

int main(int argc, char** argv) {
  namespace fc = ferry::celery;
  const char* broker = std::getenv("CELERY_BROKER_URL");
  const char* backend = std::getenv("CELERY_RESULT_BACKEND");
  const std::string broker_url = broker ? broker : "redis://127.0.0.1:6379/0";
  const std::string backend_url = backend ? backend : broker_url;
  const std::string queue = argc > 1 ? argv[1] : "celery";
  const long long x = argc > 2 ? std::stoll(argv[2]) : 2, y = argc > 3 ? std::stoll(argv[3]) : 3;
  try {
    // The plug-ins serve their URL schemes; the client picks them by scheme.
    fc::redis::register_plugin();
    fc::amqp::register_plugin();
    fc::client app{broker_url, backend_url};

    // Runs no earlier than in 1 s; a worker receiving it after 60 s stores REVOKED instead.
    fc::send_options options;
    options.queue = queue;
    options.countdown = std::chrono::seconds(1);
    options.expires = std::chrono::system_clock::now() + std::chrono::seconds(60);
    // On success the worker sends tasks.mul(<result>, 10) to the same queue.
    options.link = {
        fc::signature{.task = "tasks.mul", .args = {10}, .options = {{"queue", queue}}}};

    fc::async_result r = app.send_task("tasks.add", {x, y}, {}, options);
    std::cout << "sent tasks.add(" << x << ", " << y << ") " << r.id() << "\n";
    std::cout << "result " << r.get(std::chrono::seconds(30)).dump() << "\n";
    return 0;
  } catch (const fc::task_failed& e) {
    // FAILURE/REVOKED: the exception as the worker stored it (e.g. ValueError ["bad", 42]).
    if (e.exception()) std::cerr << e.exception()->type << " " << e.exception()->message.dump();
    std::cerr << "\n";
    return 1;
  } catch (const ferry::error& e) {
    std::cerr << "error: " << e.what() << "\n";  // errc::timeout when no worker answered
    return e.is_transient() ? 75 : 1;
  }
}
