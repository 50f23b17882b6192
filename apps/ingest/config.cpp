#include "config.hpp"

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include <ferry/core/error.hpp>
#include <ferry/service/env_reader.hpp>
#include <ferry/sql/database_url.hpp>

namespace ferry::apps::ingest {

cli_outcome parse_command_line(int argc, char** argv) {
  cli_outcome out;
  config& c = out.cfg;
  // Environment first; flags override it.
  const service::env_reader env;
  c.amqp_url = env.text("RABBITMQ_URL", c.amqp_url);
  c.queue = env.text("RABBITMQ_QUEUE", c.queue);
  c.spool_dir = env.text("INGEST_SPOOL_DIR", c.spool_dir);
  c.listen = env.text("INGEST_LISTEN", c.listen);
  c.token = env.text("INGEST_TOKEN", c.token);
  c.probe_listen = env.text("INGEST_PROBE_LISTEN", c.probe_listen);
  std::string max_message = env.text("INGEST_MAX_MESSAGE_BYTES");
  std::string max_inline = env.text("INGEST_MAX_INLINE_BYTES");
  std::string confirm_ms = env.text("INGEST_CONFIRM_TIMEOUT_MS");

  CLI::App app{
      "ferry-ingest: records an email and queues it for ferry-email-worker.\n"
      "Pipe mode (Postfix pipe(8)): ferry-ingest [options] SENDER RECIPIENT < message\n"
      "  exit 0 = queued (broker confirmed), 75 = try again later, 2 = usage error.\n"
      "HTTP mode: ferry-ingest serve [options]; POST /ingest?sender=S&recipient=R with the raw\n"
      "  message as body (or X-Sender / X-Recipient headers); GET /health, GET /ready."};
  std::string db_flag;
  app.add_option("--amqp-url", c.amqp_url, "broker URL [RABBITMQ_URL]");
  app.add_option("--queue", c.queue, "queue name [RABBITMQ_QUEUE]");
  app.add_option("--database-url,--db-url", db_flag,
                 "database URL [DATABASE_URL, DB_URL or DB_HOST/DB_NAME/...; default "
                 "sqlite:///var/lib/ferry/mail.db]");
  app.add_option("--max-inline-bytes", max_inline,
                 "larger messages are spooled and sent by reference [INGEST_MAX_INLINE_BYTES, "
                 "default 26214400]");
  app.add_option("--spool-dir", c.spool_dir, "where large messages go [INGEST_SPOOL_DIR]");
  app.add_option("--confirm-timeout-ms", confirm_ms,
                 "longest wait for the broker's confirm [INGEST_CONFIRM_TIMEOUT_MS]");
  app.add_flag("-v,--verbose", c.verbose, "log each ingested message to stderr");
  auto* serve = app.add_subcommand("serve", "serve POST /ingest over HTTP");
  serve->add_option("--listen", c.listen, "host:port [INGEST_LISTEN]");
  serve->add_option("--max-message-bytes", max_message,
                    "larger messages get 413 [INGEST_MAX_MESSAGE_BYTES, default 10240000]");
  serve->add_option("--token", c.token,
                    "bearer token POST /ingest needs; none: open [INGEST_TOKEN]");
  serve->add_option("--probe-listen", c.probe_listen,
                    "host:port serving /health and /ready without token [INGEST_PROBE_LISTEN]");
  app.add_option("sender", c.sender, "envelope sender (may be empty: bounces)");
  app.add_option("recipient", c.recipient, "envelope recipient");
  try {
    app.parse(argc, argv);
    if (!db_flag.empty()) {
      c.db = sql::database_url::parse(db_flag);
    } else if (auto url = sql::database_url_from_env()) {
      c.db = *url;
    }
    constexpr std::int64_t max_bytes = std::int64_t{1} << 40;
    if (!max_inline.empty()) {
      c.max_inline_bytes = static_cast<std::size_t>(service::parse_whole_number(
          max_inline, "INGEST_MAX_INLINE_BYTES (--max-inline-bytes)", 0, max_bytes));
    }
    if (!max_message.empty()) {
      c.max_message_bytes = static_cast<std::size_t>(service::parse_whole_number(
          max_message, "INGEST_MAX_MESSAGE_BYTES (--max-message-bytes)", 1, max_bytes));
    }
    if (!confirm_ms.empty()) {
      c.confirm_timeout = std::chrono::milliseconds(service::parse_whole_number(
          confirm_ms, "INGEST_CONFIRM_TIMEOUT_MS (--confirm-timeout-ms)", 1, 3'600'000));
    }
    c.serve = serve->parsed();
    if (!c.serve && c.recipient.empty()) {
      throw CLI::ValidationError("recipient", "pipe mode needs SENDER and RECIPIENT");
    }
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    out.exit_code = rc == 0 ? 0 : 2;
  } catch (const ferry::error& e) {  // a malformed number, database URL or DB_* setting
    std::cerr << "ferry-ingest: " << e.what() << "\n";
    out.exit_code = 2;
  }
  return out;
}

}  // namespace ferry::apps::ingest
