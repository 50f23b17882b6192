// apps/ingest/config.hpp — ferry-ingest's settings: environment variables, overridden by flags.
//
// Thread safety: plain values and functions.
// Errors: parse_command_line prints usage errors and --help itself and returns the exit code.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <ferry/sql/database_url.hpp>

namespace ferry::apps::ingest {

struct config {
  std::string amqp_url = "amqp://guest:guest@localhost:5672/%2F";  ///< RABBITMQ_URL
  std::string queue = "email_processing";                          ///< RABBITMQ_QUEUE
  /// DB_URL or DB_*; default an SQLite file.
  sql::database_url db = sql::database_url::parse("sqlite:///var/lib/ferry/mail.db");
  /// INGEST_MAX_INLINE_BYTES: larger messages go to the spool and travel by reference.
  std::size_t max_inline_bytes = 25u * 1024 * 1024;
  std::string spool_dir = "/var/lib/ferry/spool";     ///< INGEST_SPOOL_DIR
  std::string listen = "127.0.0.1:8025";              ///< INGEST_LISTEN (serve mode)
  /// INGEST_MAX_MESSAGE_BYTES (serve mode): larger POST /ingest bodies get 413 before they are
  /// read whole. Postfix's own default message_size_limit.
  std::size_t max_message_bytes = 10'240'000;
  /// INGEST_TOKEN (serve mode): when set, POST /ingest needs `Authorization: Bearer <token>`.
  std::string token;
  /// INGEST_PROBE_LISTEN (serve mode): host:port for /health and /ready without token.
  std::string probe_listen;
  std::chrono::milliseconds confirm_timeout{15'000};  ///< INGEST_CONFIRM_TIMEOUT_MS
  bool verbose = false;

  // Pipe mode (no subcommand): the envelope Postfix passes.
  bool serve = false;
  std::string sender;
  std::string recipient;
};

struct cli_outcome {
  config cfg;
  std::optional<int> exit_code;  ///< Set when main should return at once (--help, usage error).
};

/// Parses argv (with the environment as defaults). Usage errors exit 2.
[[nodiscard]] cli_outcome parse_command_line(int argc, char** argv);

}  // namespace ferry::apps::ingest
