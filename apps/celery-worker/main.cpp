// ferry-celery-worker — runs the email deployment's Celery tasks in C++ against the same broker
// (Redis or RabbitMQ, by URL scheme) and Redis result backend as the Python workers. Glue only:
// env/flags → options → worker.
// Exit codes: usage 2, transient ferry::error 75, other failures 1.
#include <cctype>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <ferry/celery/amqp/plugin.hpp>
#include <ferry/celery/redis/plugin.hpp>
#include <ferry/celery/registry.hpp>
#include <ferry/celery/worker.hpp>
#include <ferry/core/error.hpp>
#include <ferry/service/stop_signals.hpp>
#include <ferry/sql/database_url.hpp>

#include "common/env.hpp"
#include "tasks.hpp"

namespace fc = ferry::celery;

int main(int argc, char** argv) {
  // Before any thread starts; SIGPIPE is ignored from here on too.
  const auto stop_signals = ferry::service::stop_signals::block();
  CLI::App cli{
      "ferry-celery-worker: a C++ Celery worker (Redis or RabbitMQ broker, Redis result backend)"};
  using ferry::apps::env;
  std::string broker = env("CELERY_BROKER_URL").value_or("redis://127.0.0.1:6379/0");
  std::string backend = env("CELERY_RESULT_BACKEND").value_or("");
  std::string db_url;
  std::vector<std::string> queues{"celery"};
  std::size_t concurrency = 1, prefetch = 4;
  bool acks_late = false, test_tasks = false, quiet = false;
  double visibility = 3600, restore_interval = 10;
  int max_priority = -1;
  std::string hostname;
  cli.add_option("--broker-url,--broker", broker,
                 "broker URL: redis://, rediss://, unix:// or amqp://, amqps:// (env "
                 "CELERY_BROKER_URL)");
  cli.add_option("--backend", backend, "result backend URL (env CELERY_RESULT_BACKEND)");
  cli.add_option("--database-url,--db-url", db_url,
                 "database for tasks.cleanup_old_messages (env DATABASE_URL, DB_URL or "
                 "DB_HOST/DB_NAME/...)");
  cli.add_option("-Q,--queues", queues, "queues to consume")->delimiter(',');
  cli.add_option("-c,--concurrency", concurrency, "handler threads");
  cli.add_option("--prefetch", prefetch, "messages in flight");
  cli.add_option("--visibility-timeout", visibility, "Redis: kombu visibility_timeout, seconds");
  cli.add_option("--max-priority", max_priority,
                 "RabbitMQ: x-max-priority of declared queues (Celery task_queue_max_priority)")
      ->check(CLI::Range(0, 255));
  cli.add_option("--restore-interval", restore_interval,
                 "seconds between restores of timed-out unacked messages");
  cli.add_option("-n,--hostname", hostname, "node name (default celery@<host>)");
  cli.add_flag("--acks-late", acks_late, "ack after the result is stored");
  cli.add_flag("--test-tasks", test_tasks, "also register tasks.add/mul/sleep_record");
  cli.add_flag("-q,--quiet", quiet, "log warnings and errors only");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  const bool amqp = broker.starts_with("amqp") || broker.starts_with("pyamqp");
  if (backend.empty()) {
    if (amqp) {
      std::cerr << "ferry-celery-worker: an amqp:// broker needs --backend redis://...\n";
      return 2;
    }
    backend = broker;
  }
  try {
    fc::amqp::transport_options ao;
    if (max_priority >= 0) ao.max_priority = static_cast<std::uint8_t>(max_priority);
    fc::amqp::register_plugin(ao);
    fc::redis::transport_options to;
    to.visibility_timeout = std::chrono::milliseconds(static_cast<long long>(visibility * 1000));
    fc::redis::register_plugin(to);
    std::shared_ptr<fc::broker> b = fc::open_broker(broker);
    fc::worker_options wo;
    wo.queues = queues;
    wo.concurrency = concurrency;
    wo.prefetch = prefetch;
    wo.acks_late = acks_late;
    wo.hostname = hostname;
    wo.restore_interval =
        std::chrono::milliseconds(static_cast<long long>(restore_interval * 1000));
    wo.observer =
        ferry::observer{quiet ? ferry::log_level::warning : ferry::log_level::info,
                        [](ferry::log_level l, std::string_view, std::string_view line) {
                          std::string level(ferry::to_string(l));
                          for (char& c : level)
                            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                          std::clog << "[" << level << "] " << line << std::endl;
                        }};
    fc::worker w{b, fc::open_backend(backend), wo};
    ferry::apps::celery_worker::task_settings ts;
    if (db_url.empty()) db_url = ferry::sql::database_url_text_from_env().value_or("");
    if (!db_url.empty()) ts.db_url = db_url;
    ts.test_tasks = test_tasks;
    ferry::apps::celery_worker::register_tasks(w, ts);
    // run() throws after a fatal broker error (e.g. WRONGPASS); the watcher, declared after
    // w, is gone before it.
    const auto watcher = stop_signals.call_on_stop([&w](int) { w.stop(); });
    w.run();
    return 0;
  } catch (const ferry::error& e) {
    std::cerr << "ferry-celery-worker: " << e.what() << "\n";
    return e.is_transient() ? 75 : 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "ferry-celery-worker: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ferry-celery-worker: " << e.what() << "\n";
    return 1;
  }
}
