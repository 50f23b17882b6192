#include "config.hpp"

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include <ferry/core/error.hpp>

#include <ferry/sql/database_url.hpp>
#include "common/env.hpp"

namespace ferry::apps::ingest {

cli_outcome parse_command_line(int argc, char** argv) {
  cli_outcome out;
  config& c = out.cfg;
  // Environment first; flags override it.
  if (auto v = env("RABBITMQ_URL")) c.amqp_url = *v;
  if (auto v = env("RABBITMQ_QUEUE")) c.queue = *v;
  if (auto v = env("INGEST_SPOOL_DIR")) c.spool_dir = *v;
  if (auto v = env("INGEST_LISTEN")) c.listen = *v;
  if (auto v = env("INGEST_TOKEN")) c.token = *v;
  if (auto v = env("INGEST_PROBE_LISTEN")) c.probe_listen = *v;
  std::optional<std::string> max_message = env("INGEST_MAX_MESSAGE_BYTES");
  std::optional<std::string> max_inline = env("INGEST_MAX_INLINE_BYTES");
  std::optional<std::string> confirm_ms = env("INGEST_CONFIRM_TIMEOUT_MS");

  CLI::App app{
      "ferry-ingest: records an email and queues it for ferry-email-worker.\n"
      "Pipe mode (Postfix pipe(8)): ferry-ingest [options] SENDER RECIPIENT < message\n"
      "  exit 0 = queued (broker confirmed), 75 = try again later, 2 = usage error.\n"
      "HTTP mode: ferry-ingest serve [options]; POST /ingest?sender=S&recipient=R with the raw\n"
      "  message as body (or X-Sender / X-Recipient headers); GET /health, GET /ready."};
  std::string max_inline_flag, confirm_flag, db_flag, max_message_flag;
  app.add_option("--amqp-url", c.amqp_url, "broker URL [RABBITMQ_URL]");
  app.add_option("--queue", c.queue, "queue name [RABBITMQ_QUEUE]");
  app.add_option("--database-url,--db-url", db_flag,
                 "database URL [DATABASE_URL, DB_URL or DB_HOST/DB_NAME/...; default "
                 "sqlite:///var/lib/ferry/mail.db]");
  app.add_option("--max-inline-bytes", max_inline_flag,
                 "larger messages are spooled and sent by reference [INGEST_MAX_INLINE_BYTES, "
                 "default 26214400]");
  app.add_option("--spool-dir", c.spool_dir, "where large messages go [INGEST_SPOOL_DIR]");
  app.add_option("--confirm-timeout-ms", confirm_flag,
                 "longest wait for the broker's confirm [INGEST_CONFIRM_TIMEOUT_MS]");
  app.add_flag("-v,--verbose", c.verbose, "log each ingested message to stderr");
  auto* serve = app.add_subcommand("serve", "serve POST /ingest over HTTP");
  serve->add_option("--listen", c.listen, "host:port [INGEST_LISTEN]");
  serve->add_option("--max-message-bytes", max_message_flag,
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
    if (!max_inline_flag.empty()) max_inline = max_inline_flag;
    if (!confirm_flag.empty()) confirm_ms = confirm_flag;
    if (max_inline) c.max_inline_bytes = std::stoull(*max_inline);
    if (!max_message_flag.empty()) max_message = max_message_flag;
    if (max_message) {
      c.max_message_bytes = std::stoull(*max_message);
      if (c.max_message_bytes == 0 || max_message->find('-') != std::string::npos) {
        throw CLI::ValidationError("INGEST_MAX_MESSAGE_BYTES", "must be a positive number");
      }
    }
    if (confirm_ms) c.confirm_timeout = std::chrono::milliseconds(std::stoll(*confirm_ms));
    c.serve = serve->parsed();
    if (!c.serve && c.recipient.empty()) {
      throw CLI::ValidationError("recipient", "pipe mode needs SENDER and RECIPIENT");
    }
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    out.exit_code = rc == 0 ? 0 : 2;
  } catch (const ferry::error& e) {  // a malformed database URL or DB_* setting
    std::cerr << "ferry-ingest: " << e.what() << "\n";
    out.exit_code = 2;
  } catch (const std::logic_error& e) {  // stoull/stoll
    std::cerr << "ferry-ingest: bad number: " << e.what() << "\n";
    out.exit_code = 2;
  }
  return out;
}

}  // namespace ferry::apps::ingest
