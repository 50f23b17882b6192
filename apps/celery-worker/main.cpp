// ferry-celery-worker — runs the email deployment's Celery tasks in C++ against the same broker
// (Redis or RabbitMQ, by URL scheme) and Redis result backend as the Python workers. Glue only:
// env/flags → options → worker.
// Exit codes: usage 2, transient ferry::error 75, other failures 1.
#include <cctype>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ferry/celery/amqp/plugin.hpp>
#include <ferry/celery/redis/plugin.hpp>
#include <ferry/celery/registry.hpp>
#include <ferry/celery/worker.hpp>
#include <ferry/core/error.hpp>
#include <ferry/service/env_reader.hpp>
#include <ferry/service/stop_signals.hpp>
#include <ferry/sql/database_url.hpp>

#include "tasks.hpp"

namespace fc = ferry::celery;

namespace {

// The worker's settings: the environment gives the defaults, the flags override them.
struct config {
  std::string broker =
      ferry::service::env_reader{}.text("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0");
  std::string backend = ferry::service::env_reader{}.text("CELERY_RESULT_BACKEND");
  std::string db_url;
  std::vector<std::string> queues{"celery"};
  std::size_t concurrency = 1, prefetch = 4;
  bool acks_late = false, test_tasks = false, quiet = false;
  double visibility = 3600, restore_interval = 10;  // seconds
  int max_priority = -1;                            // -1: queues declared without a priority
  std::string hostname;
};

void add_options(CLI::App& cli, config& c) {
  cli.add_option("--broker-url,--broker", c.broker,
                 "broker URL: redis://, rediss://, unix:// or amqp://, amqps:// (env "
                 "CELERY_BROKER_URL)");
  cli.add_option("--backend", c.backend, "result backend URL (env CELERY_RESULT_BACKEND)");
  cli.add_option("--database-url,--db-url", c.db_url,
                 "database for tasks.cleanup_old_messages (env DATABASE_URL, DB_URL or "
                 "DB_HOST/DB_NAME/...)");
  cli.add_option("-Q,--queues", c.queues, "queues to consume")->delimiter(',');
  cli.add_option("-c,--concurrency", c.concurrency, "handler threads");
  cli.add_option("--prefetch", c.prefetch, "messages in flight");
  cli.add_option("--visibility-timeout", c.visibility, "Redis: kombu visibility_timeout, seconds");
  cli.add_option("--max-priority", c.max_priority,
                 "RabbitMQ: x-max-priority of declared queues (Celery task_queue_max_priority)")
      ->check(CLI::Range(0, 255));
  cli.add_option("--restore-interval", c.restore_interval,
                 "seconds between restores of timed-out unacked messages");
  cli.add_option("-n,--hostname", c.hostname, "node name (default celery@<host>)");
  cli.add_flag("--acks-late", c.acks_late, "ack after the result is stored");
  cli.add_flag("--test-tasks", c.test_tasks, "also register tasks.add/mul/sleep_record");
  cli.add_flag("-q,--quiet", c.quiet, "log warnings and errors only");
}

std::chrono::milliseconds from_seconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// Both broker plug-ins, with this command line's transport settings: open_broker and
// open_backend then pick one by the URL's scheme.
void register_transports(const config& c) {
  fc::amqp::transport_options amqp;
  if (c.max_priority >= 0) amqp.max_priority = static_cast<std::uint8_t>(c.max_priority);
  fc::amqp::register_plugin(amqp);
  fc::redis::transport_options redis;
  redis.visibility_timeout = from_seconds(c.visibility);
  fc::redis::register_plugin(redis);
}

fc::worker_options worker_options_from(const config& c) {
  fc::worker_options wo;
  wo.queues = c.queues;
  wo.concurrency = c.concurrency;
  wo.prefetch = c.prefetch;
  wo.acks_late = c.acks_late;
  wo.hostname = c.hostname;
  wo.restore_interval = from_seconds(c.restore_interval);
  wo.observer =
      ferry::observer{c.quiet ? ferry::log_level::warning : ferry::log_level::info,
                      [](ferry::log_level l, std::string_view, std::string_view line) {
                        std::string level(ferry::to_string(l));
                        for (char& ch : level)
                          ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                        std::clog << "[" << level << "] " << line << std::endl;
                      }};
  return wo;
}

// The database comes from the flag, else from the environment (DATABASE_URL, DB_URL, DB_*).
ferry::apps::celery_worker::task_settings task_settings_from(const config& c) {
  ferry::apps::celery_worker::task_settings ts;
  std::string db_url = c.db_url;
  if (db_url.empty()) db_url = ferry::sql::database_url_text_from_env().value_or("");
  if (!db_url.empty()) ts.db_url = db_url;
  ts.test_tasks = c.test_tasks;
  return ts;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts; SIGPIPE is ignored from here on too.
  const auto stop_signals = ferry::service::stop_signals::block();
  CLI::App cli{
      "ferry-celery-worker: a C++ Celery worker (Redis or RabbitMQ broker, Redis result backend)"};
  config c;
  add_options(cli, c);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  const bool amqp = c.broker.starts_with("amqp") || c.broker.starts_with("pyamqp");
  if (c.backend.empty()) {
    if (amqp) {
      std::cerr << "ferry-celery-worker: an amqp:// broker needs --backend redis://...\n";
      return 2;
    }
    c.backend = c.broker;
  }
  try {
    register_transports(c);
    std::shared_ptr<fc::broker> b = fc::open_broker(c.broker);
    fc::worker w{b, fc::open_backend(c.backend), worker_options_from(c)};
    ferry::apps::celery_worker::register_tasks(w, task_settings_from(c));
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
