// A small Celery worker in C++: runs tasks.add and tasks.mul for Python (or ferry) clients over
// Redis or RabbitMQ, storing results in Redis, until SIGINT/SIGTERM.
//   CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672// CELERY_RESULT_BACKEND=redis://...
//   argv[1] = queue (default "celery")
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ferry/celery/amqp/plugin.hpp>
#include <ferry/celery/redis/plugin.hpp>
#include <ferry/celery/registry.hpp>
#include <ferry/celery/worker.hpp>
#include <ferry/core/error.hpp>

namespace fc = ferry::celery;

namespace {
fc::worker* running = nullptr;
extern "C" void on_signal(int) {
  if (running) running->stop();  // async-signal-safe: sets a flag
}
}  // namespace

int main(int argc, char** argv) {
  const char* broker = std::getenv("CELERY_BROKER_URL");
  const char* backend = std::getenv("CELERY_RESULT_BACKEND");
  const std::string broker_url = broker ? broker : "redis://127.0.0.1:6379/0";
  const std::string backend_url = backend ? backend : broker_url;
  try {
    fc::worker_options options;
    options.queues = {argc > 1 ? argv[1] : "celery"};
    options.concurrency = 2;
    options.observer = ferry::observer{
        ferry::log_level::info, [](ferry::log_level, std::string_view, std::string_view line) {
          std::clog << line << std::endl;
        }};
    fc::redis::register_plugin();  // redis:// brokers and result backends
    fc::amqp::register_plugin();   // amqp:// brokers
    fc::worker w{fc::open_broker(broker_url), fc::open_backend(backend_url), options};
    // A handler gets args and kwargs as JSON and returns the result; throwing stores FAILURE.
    w.register_task("tasks.add", [](const fc::json& a, const fc::json&, fc::task_context&) {
      return fc::json(a.at(0).get<long long>() + a.at(1).get<long long>());
    });
    w.register_task("tasks.mul", [](const fc::json& a, const fc::json&, fc::task_context&) {
      return fc::json(a.at(0).get<long long>() * a.at(1).get<long long>());
    });
    running = &w;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    w.run();  // returns after stop(): in-flight tasks finish and are acked
    return 0;
  } catch (const ferry::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.is_transient() ? 75 : 1;
  }
}
