// apps/email-worker/config.hpp — ferry-email-worker's settings: environment, overridden by flags.
//
// Thread safety: plain values and functions.
// Errors: parse_command_line prints usage errors and --help itself and returns the exit code.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <ferry/core/retry_policy.hpp>
#include <ferry/sql/database_url.hpp>

namespace ferry::apps::worker {

struct config {
  std::string amqp_url = "amqp://guest:guest@localhost:5672/%2F";  ///< RABBITMQ_URL
  std::string queue = "email_processing";                          ///< RABBITMQ_QUEUE
  /// DB_URL or DB_*; default an SQLite file.
  sql::database_url db = sql::database_url::parse("sqlite:///var/lib/ferry/mail.db");
  std::chrono::milliseconds db_timeout{5000};  ///< DB_QUERY_TIMEOUT_MS: lock waits included
  std::string redis_url;                       ///< REDIS_URL; empty: no policy cache to invalidate
  std::string attachment_dir = "/var/lib/ferry/attachments";  ///< ATTACHMENT_STORAGE_PATH
  /// RETRY_BACKOFF_BASE_SECONDS (may be fractional) and MAX_RETRY_ATTEMPTS.
  retry_policy retry{.max_attempts = 5,
                     .base = std::chrono::seconds(5),
                     .cap = std::chrono::minutes(10),
                     .multiplier = 2.0,
                     .jitter = jitter_mode::none};
  /// Test-only (FERRY_TEST_PAUSE_AFTER_PARSE_MS): sleep after parsing, so a test can kill the
  /// worker in the middle of a message.
  std::chrono::milliseconds pause_after_parse{0};
  bool verbose = false;
};

struct cli_outcome {
  config cfg;
  std::optional<int> exit_code;  ///< Set when main should return at once (--help, usage error).
};

/// Parses argv (with the environment as defaults). Usage errors exit 2.
[[nodiscard]] cli_outcome parse_command_line(int argc, char** argv);

}  // namespace ferry::apps::worker
