#include "config.hpp"

#include <ferry/core/error.hpp>
#include <ferry/service/env_reader.hpp>
#include <ferry/sql/database_url.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace ferry::apps::policy {

namespace {

// Settings read as text or integers first (environment, then flags), converted and checked
// once both have had their say.
struct raw_settings {
  long long ok_ttl = 0;
  long long reject_ttl = 0;
  long long decision_ms = 0;
  long long idle_s = 0;
  long long request_s = 0;
  long long max_connections = 0;
  long long near_entries = 0;
  std::string level_name;
  std::string sender_limits;
  std::string client_limits;
};

// The subcommands' parsers, to ask which one ran.
struct subcommands {
  bool init_db = false;
  bool add_inactive = false;
  std::string active_text;
  CLI::App* add = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* set_active = nullptr;
  CLI::App* set_tier = nullptr;
};

void read_environment(const env_lookup& lookup, app_config& cfg, raw_settings& raw) {
  // Texts as set ("" included); numbers: unset or "" keeps the default.
  const service::env_reader env(lookup);
  cfg.server.listen = env.raw("POLICY_LISTEN").value_or(cfg.server.listen);
  cfg.admin_listen = env.raw("POLICY_ADMIN_LISTEN").value_or(cfg.admin_listen);
  cfg.redis_url = env.raw("REDIS_URL").value_or("");
  cfg.db_url = sql::database_url_text_from_env(lookup).value_or("");
  raw.ok_ttl = env.integer("REDIS_CACHE_TTL", cfg.cache_ok_ttl.count());
  raw.reject_ttl = env.integer("REDIS_REJECT_TTL", cfg.cache_reject_ttl.count());
  raw.decision_ms = env.integer("POLICY_DECISION_TIMEOUT_MS", cfg.server.decision_timeout.count());
  raw.idle_s = env.integer("POLICY_IDLE_TIMEOUT", cfg.server.idle_timeout.count());
  raw.request_s = env.integer(
      "POLICY_REQUEST_TIMEOUT",
      std::chrono::duration_cast<std::chrono::seconds>(cfg.server.request_timeout).count());
  raw.max_connections =
      env.integer("POLICY_MAX_CONNECTIONS", static_cast<long long>(cfg.server.max_connections));
  raw.level_name = env.raw("POLICY_LOG_LEVEL").value_or("info");
  raw.near_entries =
      env.integer("POLICY_NEAR_CACHE_ENTRIES", static_cast<long long>(cfg.near_cache_entries));
  raw.sender_limits = env.raw("POLICY_SENDER_LIMITS").value_or("");
  raw.client_limits = env.raw("POLICY_CLIENT_LIMITS").value_or("");
}

void add_flags(CLI::App& app, app_config& cfg, raw_settings& raw) {
  app.add_option("--listen", cfg.server.listen,
                 "Policy socket: HOST:PORT, inet:HOST:PORT or unix:/PATH [POLICY_LISTEN]")
      ->capture_default_str();
  app.add_option("--admin-listen", cfg.admin_listen,
                 "HTTP probes /health, /ready, /metrics (no token): HOST:PORT, or 'off' "
                 "[POLICY_ADMIN_LISTEN]")
      ->capture_default_str();
  app.add_option("--redis-url", cfg.redis_url, "Redis cache URL; empty: no cache [REDIS_URL]");
  app.add_option("--cache-ttl", raw.ok_ttl, "Seconds an OK answer stays cached [REDIS_CACHE_TTL]")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 86400LL * 30));
  app.add_option("--reject-ttl", raw.reject_ttl,
                 "Seconds a REJECT answer stays cached [REDIS_REJECT_TTL]")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 86400LL * 30));
  app.add_option("--near-cache-entries", raw.near_entries,
                 "Cached answers also kept in process (answered without a Redis round trip, "
                 "invalidated by Redis CLIENT TRACKING); 0: off [POLICY_NEAR_CACHE_ENTRIES]")
      ->capture_default_str()
      ->check(CLI::Range(0LL, 100000000LL));
  app.add_option("--sender-limits", raw.sender_limits,
                 "Rate limits per envelope sender, counted per accepted recipient, e.g. "
                 "5/300s,100/1d; empty: none [POLICY_SENDER_LIMITS]");
  app.add_option("--client-limits", raw.client_limits,
                 "Rate limits per client IP address, counted per accepted recipient, e.g. "
                 "50/1m; empty: none [POLICY_CLIENT_LIMITS]");
  app.add_option("--database-url,--db-url", cfg.db_url,
                 "Database URL [DATABASE_URL, DB_URL or DB_HOST/DB_NAME/...]");
  app.add_option("--decision-timeout-ms", raw.decision_ms,
                 "Answer DEFER_IF_PERMIT when the directory has not answered within this "
                 "[POLICY_DECISION_TIMEOUT_MS]")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 60000LL));
  app.add_option("--idle-timeout", raw.idle_s,
                 "Close policy connections idle this many seconds between requests "
                 "[POLICY_IDLE_TIMEOUT]")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 86400LL));
  app.add_option("--request-timeout", raw.request_s,
                 "Close a connection whose request is not complete this many seconds after its "
                 "first byte [POLICY_REQUEST_TIMEOUT]")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 3600LL));
  app.add_option("--max-connections", raw.max_connections,
                 "Accept and close new connections beyond this many (lowered to what the "
                 "open-files limit allows) [POLICY_MAX_CONNECTIONS]")
      ->capture_default_str()
      ->check(CLI::Range(1LL, 1000000LL));
  app.add_option("--workers", cfg.server.workers, "Threads for lookups that may block")
      ->capture_default_str()
      ->check(CLI::Range(1U, 1024U));
  app.add_option("--ok-action", cfg.policy.ok_action,
                 "Action for known, active recipients (DUNNO lets later restrictions run; OK "
                 "accepts)")
      ->capture_default_str();
  app.add_option("--log-level", raw.level_name,
                 "debug (one line per decision), info, warning, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warning", "warn", "error", "off"}));
}

void add_subcommands(CLI::App& app, command& cmd, subcommands& sub) {
  app.add_flag("--init-db", sub.init_db, "Create the database schema and exit");

  auto* address = app.add_subcommand("address", "Manage recipient addresses, then exit");
  address->require_subcommand(1);
  sub.add = address->add_subcommand("add", "Add (or re-activate) an address");
  sub.add->add_option("address", cmd.address, "Email address")->required();
  sub.add->add_option("--customer", cmd.customer, "Customer name or id (created if new)")
      ->default_str("default");
  sub.add->add_flag("--inactive", sub.add_inactive, "Add it inactive (rejected until activated)");
  sub.remove = address->add_subcommand("remove", "Remove an address");
  sub.remove->add_option("address", cmd.address, "Email address")->required();
  sub.set_active = address->add_subcommand("set-active", "Activate or deactivate an address");
  sub.set_active->add_option("address", cmd.address, "Email address")->required();
  sub.set_active->add_option("active", sub.active_text, "true or false")
      ->required()
      ->check(CLI::IsMember({"true", "false", "yes", "no", "1", "0"}));
  auto* customer = app.add_subcommand("customer", "Manage customers, then exit");
  customer->require_subcommand(1);
  sub.set_tier = customer->add_subcommand("set-tier", "Change a customer's tier");
  sub.set_tier->add_option("customer", cmd.customer, "Customer id or name")->required();
  sub.set_tier->add_option("tier", cmd.tier, "New tier")->required();
  app.require_subcommand(0, 1);
}

// Converts and checks what the environment and flags gave; an error text or nullopt.
std::optional<std::string> apply(const raw_settings& raw, app_config& cfg) {
  // CLI11 checks ranges of flags only; a variable's zero would disable the protection.
  for (const auto& [name, value] : {std::pair{"POLICY_IDLE_TIMEOUT", raw.idle_s},
                                    std::pair{"POLICY_REQUEST_TIMEOUT", raw.request_s},
                                    std::pair{"POLICY_MAX_CONNECTIONS", raw.max_connections}}) {
    if (value < 1) return std::string(name) + " must be at least 1";
  }
  cfg.cache_ok_ttl = std::chrono::seconds(raw.ok_ttl);
  cfg.cache_reject_ttl = std::chrono::seconds(raw.reject_ttl);
  cfg.server.decision_timeout = std::chrono::milliseconds(raw.decision_ms);
  cfg.server.idle_timeout = std::chrono::seconds(raw.idle_s);
  cfg.server.request_timeout = std::chrono::seconds(raw.request_s);
  cfg.server.max_connections = static_cast<std::size_t>(raw.max_connections);
  try {
    cfg.level = parse_log_level(raw.level_name);
  } catch (const std::invalid_argument&) {
    return "bad log level '" + raw.level_name + "'";
  }
  cfg.near_cache_entries = static_cast<std::size_t>(raw.near_entries);
  try {
    cfg.limits.sender = parse_limit_list(raw.sender_limits);
    cfg.limits.client = parse_limit_list(raw.client_limits);
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  if (cfg.admin_listen == "off") cfg.admin_listen.clear();
  return std::nullopt;
}

// Which command ran; an error text when --init-db was combined with a subcommand.
std::optional<std::string> choose_command(const subcommands& sub, command& cmd) {
  if (sub.init_db) cmd.kind = command_kind::init_db;
  if (sub.add->parsed()) {
    cmd.kind = command_kind::address_add;
    cmd.active = !sub.add_inactive;
  } else if (sub.remove->parsed()) {
    cmd.kind = command_kind::address_remove;
  } else if (sub.set_active->parsed()) {
    cmd.kind = command_kind::address_set_active;
    cmd.active = sub.active_text == "true" || sub.active_text == "yes" || sub.active_text == "1";
  } else if (sub.set_tier->parsed()) {
    cmd.kind = command_kind::customer_set_tier;
  }
  if (sub.init_db && cmd.kind != command_kind::init_db) {
    return std::string("--init-db cannot be combined with a subcommand");
  }
  return std::nullopt;
}

}  // namespace

cli_outcome parse_command_line(const std::vector<std::string>& argv, const env_lookup& env,
                               std::ostream& out, std::ostream& err) {
  cli_outcome result;
  app_config& cfg = result.config;
  const auto usage_error = [&](const std::string& what) {
    err << "ferry-policyd: " << what << "\n";
    result.exit_code = 2;
    return result;
  };
  CLI::App app{
      "ferry-policyd: Postfix SMTPD access policy server (check_policy_service) validating "
      "recipients against the mail database through a Redis cache.",
      "ferry-policyd"};
  app.footer(
      "Environment: POLICY_LISTEN, POLICY_ADMIN_LISTEN, REDIS_URL, REDIS_CACHE_TTL, "
      "REDIS_REJECT_TTL, DATABASE_URL (or DB_URL, or DB_HOST/DB_PORT/DB_USER/DB_PASSWORD/DB_NAME), "
      "POLICY_DECISION_TIMEOUT_MS, POLICY_REQUEST_TIMEOUT, POLICY_IDLE_TIMEOUT, "
      "POLICY_MAX_CONNECTIONS, POLICY_LOG_LEVEL, POLICY_NEAR_CACHE_ENTRIES, "
      "POLICY_SENDER_LIMITS, POLICY_CLIENT_LIMITS. Flags override them.\n"
      "Exit codes: 0 ok, 1 error, 2 usage, 75 temporary failure (retry later).");

  raw_settings raw;
  try {
    read_environment(env, cfg, raw);
  } catch (const ferry::error& e) {  // a bad number, or DB_* that make no database URL
    return usage_error(e.what());
  }
  add_flags(app, cfg, raw);
  subcommands sub;
  add_subcommands(app, result.cmd, sub);

  std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  std::reverse(args.begin(), args.end());  // CLI11's vector parse expects reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    result.exit_code = app.exit(e, out, err) == 0 ? 0 : 2;
    return result;
  }
  if (auto problem = apply(raw, cfg)) return usage_error(*problem);
  if (auto problem = choose_command(sub, result.cmd)) {
    err << "ferry-policyd: " << *problem << "\n";
    result.exit_code = 2;
  }
  // The admin commands exit at once: no near cache (it costs a connection and a thread).
  if (result.cmd.kind != command_kind::serve) cfg.near_cache_entries = 0;
  return result;
}

}  // namespace ferry::apps::policy
