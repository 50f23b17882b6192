// ferry-email-worker — consumes the email queue (manual ack, prefetch 1). Glue only: config →
// consumer + email_processor; exit codes in one place (usage 2, transient ferry::error 75,
// other failures 1). SIGTERM/SIGINT stop gracefully: the current message finishes and is acked.
#include <iostream>

#include <ferry/amqp/consumer.hpp>
#include <ferry/core/error.hpp>
#include <ferry/service/stop_signals.hpp>
#include <ferry/sql/session.hpp>

#include "config.hpp"
#include "processor.hpp"

namespace worker = ferry::apps::worker;

namespace {

void log_line(const char* level, const std::string& text) {
  std::cerr << "ferry-email-worker: " << level << ": " << text << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts; SIGPIPE is ignored from here on too.
  const auto stop_signals = ferry::service::stop_signals::block();
  auto parsed = worker::parse_command_line(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  const worker::config& cfg = parsed.cfg;
  try {
    ferry::amqp::consumer_options o;
    o.queue = cfg.queue;
    o.prefetch = 1;
    o.declare.queues.emplace_back().name = cfg.queue;  // durable, as ingest declares it
    o.retry.policy = cfg.retry;
    o.observer =
        ferry::observer::errors_to([](const std::exception& e, const ferry::error_context& c) {
          const bool handler = c.operation == "handler";
          log_line(handler ? "error" : "warning",
                   std::string(handler ? "message failed: " : "broker connection: ") + e.what());
        });
    // A database that cannot be opened fails the start, naming it, instead of every message.
    { ferry::sql::session probe(cfg.db, {.query_timeout = cfg.db_timeout}); }
    worker::email_processor processor(cfg, log_line);
    ferry::amqp::consumer consumer(ferry::amqp::url::parse(cfg.amqp_url), o);
    {
      const auto watcher = stop_signals.call_on_stop([&consumer](int) { consumer.stop(); });
      log_line("info", "consuming " + cfg.queue);
      consumer.run([&](const ferry::delivery& d) { return processor.handle(d); });
    }
    const auto& s = processor.stats();
    log_line("info", "stopped: processed " + std::to_string(s.processed) + ", already processed " +
                         std::to_string(s.already_processed) + ", dead-lettered " +
                         std::to_string(s.failed) + ", retried " + std::to_string(s.transient) +
                         ", cache invalidation failures " +
                         std::to_string(s.invalidation_failures));
    return 0;
  } catch (const ferry::error& e) {
    log_line("error", e.what());
    return e.is_transient() ? 75 : 1;
  } catch (const std::invalid_argument& e) {
    log_line("error", e.what());
    return 2;
  } catch (const std::exception& e) {
    log_line("error", e.what());
    return 1;
  }
}
