// config.hpp — ferry-policyd's settings: environment variables, then command-line flags.
//
// Environment (the deployment's .env names): POLICY_LISTEN, POLICY_ADMIN_LISTEN, REDIS_URL,
// REDIS_CACHE_TTL (seconds, OK answers), REDIS_REJECT_TTL (seconds), the database as every
// ferry app reads it (DATABASE_URL, else DB_URL, else a postgresql:// URL built from DB_HOST,
// DB_PORT, DB_USER, DB_PASSWORD and DB_NAME: ferry::sql::database_url_from_env),
// POLICY_DECISION_TIMEOUT_MS, POLICY_REQUEST_TIMEOUT and POLICY_IDLE_TIMEOUT (seconds),
// POLICY_MAX_CONNECTIONS, POLICY_LOG_LEVEL, POLICY_NEAR_CACHE_ENTRIES (in-process copy of
// cached answers; 0 = off), POLICY_SENDER_LIMITS and POLICY_CLIENT_LIMITS (rate limits,
// "5/300s,100/1d"; see ferry/postfix/redis/rate_limits.hpp). A flag given on the command line
// overrides the variable.
//
// Commands: serving is the default; `--init-db` creates the schema and exits; `address add|
// remove|set-active` and `customer set-tier` change the directory and exit.
//
// Thread safety: plain functions and values. Errors: `parse_command_line` reports usage errors
// through `exit_code` (2) after printing them; bad environment values are usage errors too.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <ferry/postfix/policy_server.hpp>
#include <ferry/postfix/redis/rate_limits.hpp>
#include <ferry/ratelimit/limit_list.hpp>
#include <ferry/service/env_reader.hpp>

#include "decision.hpp"
#include "log.hpp"

namespace ferry::apps::policy {

using postfix::parse_listen_address;
using rate_limit_config = postfix::redis::rate_limits_options;
/// The limit lists of POLICY_SENDER_LIMITS and POLICY_CLIENT_LIMITS.
using ratelimit::format_limit_list;
using ratelimit::parse_limit_list;

struct app_config {
  policy_server_options server;
  policy_options policy;
  std::string admin_listen = "127.0.0.1:10041";  ///< "" or "off": no admin endpoint.
  std::string redis_url;                         ///< "": no cache.
  std::chrono::seconds cache_ok_ttl{300};
  std::chrono::seconds cache_reject_ttl{60};
  /// Answers kept in process (coherent through Redis CLIENT TRACKING); 0: none. Only with
  /// a Redis cache; the admin commands never use it.
  std::size_t near_cache_entries = 10000;
  rate_limit_config limits;
  std::string db_url;  ///< "memory:a@x,b@y" is the in-memory directory (demos, tests).
  log_level level = log_level::info;
};

enum class command_kind {
  serve,
  init_db,
  address_add,
  address_remove,
  address_set_active,
  customer_set_tier,
};

struct command {
  command_kind kind = command_kind::serve;
  std::string address;
  bool active = true;
  std::string customer;
  std::string tier;
};

struct cli_outcome {
  app_config config;
  command cmd;
  std::optional<int> exit_code;  ///< Set when the program should exit now (--help: 0, usage: 2).
};

/// Looks up an environment variable (nullopt when unset); the process environment.
using service::env_lookup;
using service::process_environment;

/// Builds the configuration from `env`, then `argv` (flags win). Help and usage errors are
/// written to `out` / `err`.
[[nodiscard]] cli_outcome parse_command_line(const std::vector<std::string>& argv,
                                             const env_lookup& env, std::ostream& out,
                                             std::ostream& err);

}  // namespace ferry::apps::policy
