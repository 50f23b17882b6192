#include "config.hpp"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include <ferry/core/error.hpp>
#include <ferry/service/env_reader.hpp>

namespace ferry::apps::worker {

cli_outcome parse_command_line(int argc, char** argv) {
  cli_outcome out;
  config& c = out.cfg;
  // Environment first; flags override it.
  const service::env_reader env;
  std::string db_flag, backoff = env.text("RETRY_BACKOFF_BASE_SECONDS");
  std::string attempts = env.text("MAX_RETRY_ATTEMPTS");
  std::string db_timeout = env.text("DB_QUERY_TIMEOUT_MS");
  c.amqp_url = env.text("RABBITMQ_URL", c.amqp_url);
  c.queue = env.text("RABBITMQ_QUEUE", c.queue);
  c.redis_url = env.text("REDIS_URL", c.redis_url);
  c.attachment_dir = env.text("ATTACHMENT_STORAGE_PATH", c.attachment_dir);

  CLI::App app{
      "ferry-email-worker: consumes the email queue, parses and sanitises each message, stores\n"
      "attachments and marks the record processed. Exit: 0 stopped (SIGTERM/SIGINT), 2 usage,\n"
      "75 transient failure, 1 other failure."};
  app.add_option("--amqp-url", c.amqp_url, "broker URL [RABBITMQ_URL]");
  app.add_option("--queue", c.queue, "queue name [RABBITMQ_QUEUE]");
  app.add_option("--database-url,--db-url", db_flag,
                 "database URL [DATABASE_URL, DB_URL or DB_HOST/DB_NAME/...; default "
                 "sqlite:///var/lib/ferry/mail.db]");
  app.add_option("--db-timeout-ms", db_timeout,
                 "statement bound incl. lock waits [DB_QUERY_TIMEOUT_MS]");
  app.add_option("--redis-url", c.redis_url, "policy cache to invalidate [REDIS_URL]");
  app.add_option("--attachments", c.attachment_dir, "attachment root [ATTACHMENT_STORAGE_PATH]");
  app.add_option("--retry-base-seconds", backoff, "first retry delay [RETRY_BACKOFF_BASE_SECONDS]");
  app.add_option("--max-attempts", attempts, "tries before the DLQ [MAX_RETRY_ATTEMPTS]");
  app.add_flag("-v,--verbose", c.verbose, "log every message");
  try {
    c.pause_after_parse =
        std::chrono::milliseconds(env.integer("FERRY_TEST_PAUSE_AFTER_PARSE_MS", 0, 0, 60'000));
    app.parse(argc, argv);
    if (!db_flag.empty()) {
      c.db = sql::database_url::parse(db_flag);
    } else if (auto url = sql::database_url_from_env()) {
      c.db = *url;
    }
    if (!backoff.empty()) {
      const double s = std::stod(backoff);
      if (!(s > 0)) throw std::invalid_argument("RETRY_BACKOFF_BASE_SECONDS must be > 0");
      c.retry.base = std::chrono::milliseconds(std::llround(s * 1000));
    }
    if (!attempts.empty()) {
      c.retry.max_attempts = static_cast<int>(service::parse_whole_number(
          attempts, "MAX_RETRY_ATTEMPTS (--max-attempts)", 1, 1'000'000));
    }
    if (!db_timeout.empty()) {
      c.db_timeout = std::chrono::milliseconds(service::parse_whole_number(
          db_timeout, "DB_QUERY_TIMEOUT_MS (--db-timeout-ms)", 1, 86'400'000));
    }
    c.retry.validate();
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    out.exit_code = rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {  // bad numbers, bad URLs
    std::cerr << "ferry-email-worker: " << e.what() << "\n";
    out.exit_code = 2;
  }
  return out;
}

}  // namespace ferry::apps::worker
