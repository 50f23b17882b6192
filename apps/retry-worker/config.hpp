// apps/retry-worker/config.hpp — ferry-retry-worker's settings and command: environment,
// overridden by flags (CLI11).
//
//   ferry-retry-worker [serve]                         scheduler + admin HTTP (default)
//   ferry-retry-worker dlq list [QUEUE] [--offset N] [--limit N] [--json]
//   ferry-retry-worker dlq requeue QUEUE (ID | --all)
//   ferry-retry-worker dlq remove QUEUE ID
//   ferry-retry-worker dlq purge QUEUE [ID]            all dead letters, or just ID
// Every dlq command takes --source redis|amqp|celery-redis|celery-amqp where two sources hold
// a queue of the same name.
//
// Thread safety: plain values and functions.
// Errors: parse_command_line prints usage errors and --help itself and returns the exit code.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <ferry/queue/options.hpp>
#include <ferry/service/admin_http_server.hpp>
#include <ferry/service/dead_letter_admin.hpp>
#include <ferry/sql/database_url.hpp>

namespace ferry::apps::retry {

struct config {
  std::string redis_url = "redis://127.0.0.1:6379/0";  ///< REDIS_URL
  std::optional<std::string> amqp_url;                 ///< RABBITMQ_URL (none: no AMQP DLQs)
  /// QUEUES: Redis queues to schedule and serve (empty: every known queue at start-up).
  std::vector<std::string> queues;
  /// RABBITMQ_QUEUES (or RABBITMQ_QUEUE): work queues whose `<queue>.dlq` is served.
  std::vector<std::string> amqp_queues;
  /// CELERY_BROKER_URL, or --celery-broker-url once per broker: the Celery brokers whose
  /// dead letters are served (redis:// and amqp:// may both be given; none: no Celery DLQs).
  std::vector<std::string> celery_brokers;
  /// CELERY_QUEUES: the Celery queues whose dead letters are served.
  std::vector<std::string> celery_queues{"celery"};
  /// DATABASE_URL / DB_URL / DB_*: only checked by /ready.
  std::optional<sql::database_url> db;
  std::string admin_token;                      ///< ADMIN_TOKEN (required by serve)
  std::string admin_listen = "127.0.0.1:8090";  ///< ADMIN_LISTEN
  bool admin_enabled = true;                    ///< --no-admin: scheduler only
  /// PROBE_LISTEN: host:port serving /health, /ready, /metrics without the token ("" = none).
  std::string probe_listen;
  /// ADMIN_PROBES: do the probes on ADMIN_LISTEN need the token? auto = not on loopback.
  service::probe_exposure probes = service::probe_exposure::automatic;
  /// ADMIN_AUTH_FAILURES_PER_MINUTE: failed logins per address before 429.
  int auth_failures_per_minute = 5;
  /// CACHE_NAMESPACES: the key prefixes DELETE /admin/cache/clear may clear.
  std::vector<std::string> cache_namespaces{
      "policy:", "user:", "users:", "job:status:", "doc:summary:", "vector:search:", "graph:"};
  /// MAX_RETRY_ATTEMPTS, RETRY_BACKOFF_BASE_SECONDS, DLQ_RETENTION_DAYS.
  queue::queue_options queue = {};
  /// SCHEDULER_MAX_SLEEP_SECONDS: longest sleep when nothing is due.
  std::chrono::milliseconds max_sleep = std::chrono::seconds(10);
  /// Without a `dlq` command: serve.
  std::optional<service::dead_letter_command> dlq;
};

struct cli_outcome {
  config cfg;
  std::optional<int> exit_code;  ///< Set when main should return at once (--help, usage error).
};

/// Parses argv with `getenv` supplying the defaults. Usage errors print and exit 2.
[[nodiscard]] cli_outcome parse_command_line(int argc, const char* const* argv);

}  // namespace ferry::apps::retry
