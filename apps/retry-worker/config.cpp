#include "config.hpp"

#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <ferry/service/env_reader.hpp>

#include "common/env.hpp"

namespace ferry::apps::retry {
namespace {

// The settings read as text first (environment, then flags), checked once both are in.
struct raw_settings {
  std::string queues = env("QUEUES").value_or("");
  std::string amqp_queues = env("RABBITMQ_QUEUES").value_or(env("RABBITMQ_QUEUE").value_or(""));
  std::string celery_queues = env("CELERY_QUEUES").value_or("");
  std::string namespaces = env("CACHE_NAMESPACES").value_or("");
  std::string max_sleep = env("SCHEDULER_MAX_SLEEP_SECONDS").value_or("");
  std::string auth_limit = env("ADMIN_AUTH_FAILURES_PER_MINUTE").value_or("");
  std::string db_flag;
  std::string amqp_url = env("RABBITMQ_URL").value_or("");
  std::string probes = env("ADMIN_PROBES").value_or("auto");
};

void add_options(CLI::App& app, config& c, raw_settings& raw) {
  app.add_option("--redis-url", c.redis_url, "Redis [REDIS_URL]");
  app.add_option("--amqp-url", raw.amqp_url, "RabbitMQ; empty: no RabbitMQ DLQs [RABBITMQ_URL]");
  app.add_option("--queues", raw.queues,
                 "Redis queues, comma-separated; default: all known [QUEUES]");
  app.add_option("--amqp-queues", raw.amqp_queues,
                 "RabbitMQ work queues whose <queue>.dlq is served [RABBITMQ_QUEUES]");
  app.add_option("--celery-broker-url", c.celery_brokers,
                 "a Celery broker whose dead letters are served; repeat for several "
                 "[CELERY_BROKER_URL]");
  app.add_option("--celery-queues", raw.celery_queues,
                 "Celery queues whose dead letters are served (default celery) [CELERY_QUEUES]");
  app.add_option("--database-url,--db-url", raw.db_flag,
                 "database checked by /ready [DATABASE_URL, DB_URL or DB_HOST/DB_NAME/...]");
  app.add_option("--listen", c.admin_listen, "admin HTTP address [ADMIN_LISTEN]");
  app.add_option("--probe-listen", c.probe_listen,
                 "/health, /ready, /metrics without token on this host:port [PROBE_LISTEN]");
  app.add_option("--probes", raw.probes,
                 "probes on --listen without token: auto (on loopback only), open, token "
                 "[ADMIN_PROBES]");
  app.add_flag(
      "--no-admin", [&c](std::int64_t) { c.admin_enabled = false; },
      "run the scheduler without the admin HTTP API");
  app.add_option("--auth-failures-per-minute", raw.auth_limit,
                 "failed logins per address before 429 [ADMIN_AUTH_FAILURES_PER_MINUTE]");
  app.add_option("--cache-namespaces", raw.namespaces,
                 "key prefixes /admin/cache/clear may clear [CACHE_NAMESPACES]");
  app.add_option("--max-sleep-seconds", raw.max_sleep,
                 "longest scheduler sleep [SCHEDULER_MAX_SLEEP_SECONDS]");
}

// `dlq list|requeue|remove|purge`; the parsed one fills `cmd` (see parsed_dlq_command).
struct dlq_commands {
  CLI::App* list = nullptr;
  CLI::App* requeue = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* purge = nullptr;
};

dlq_commands add_dlq_commands(CLI::App& app, service::dead_letter_command& cmd,
                              std::string& source) {
  auto* dlq = app.add_subcommand("dlq", "dead letters of every source, without HTTP");
  dlq->require_subcommand(1);
  dlq->add_option("--source", source,
                  "redis, amqp, celery-redis or celery-amqp: where two hold the same queue");
  dlq_commands d;
  d.list = dlq->add_subcommand("list", "every DLQ with its size, or the dead letters of QUEUE");
  d.list->add_option("queue", cmd.queue, "queue name");
  d.list->add_option("--offset", cmd.offset, "skip this many");
  d.list->add_option("--limit", cmd.limit, "show at most this many");
  d.list->add_flag("--json", cmd.json, "print JSON as the HTTP API does");
  d.requeue = dlq->add_subcommand("requeue", "move dead letters back to the work queue");
  d.requeue->add_option("queue", cmd.queue, "queue name")->required();
  d.requeue->add_option("id", cmd.id, "dead letter id");
  d.requeue->add_flag("--all", cmd.all, "every dead letter of QUEUE");
  d.remove = dlq->add_subcommand("remove", "delete one dead letter");
  d.remove->add_option("queue", cmd.queue, "queue name")->required();
  d.remove->add_option("id", cmd.id, "dead letter id")->required();
  d.purge = dlq->add_subcommand("purge", "delete one dead letter (ID) or all of QUEUE");
  d.purge->add_option("queue", cmd.queue, "queue name")->required();
  d.purge->add_option("id", cmd.id, "dead letter id");
  return d;
}

std::optional<service::dead_letter_command> parsed_dlq_command(const dlq_commands& d,
                                                               service::dead_letter_command cmd,
                                                               const std::string& source) {
  using service::dead_letter_verb;
  if (d.list->parsed()) {
    cmd.verb = dead_letter_verb::list;
  } else if (d.requeue->parsed()) {
    cmd.verb = dead_letter_verb::requeue;
    if (cmd.all == !cmd.id.empty()) throw CLI::ValidationError("dlq requeue needs ID or --all");
  } else if (d.remove->parsed()) {
    cmd.verb = dead_letter_verb::remove;
  } else if (d.purge->parsed()) {
    cmd.verb = dead_letter_verb::purge;
  } else {
    return std::nullopt;
  }
  if (!source.empty()) cmd.source = source;
  return cmd;
}

// Checks the text settings and fills the rest of `c`.
void finish(config& c, const raw_settings& raw) {
  if (!raw.amqp_url.empty()) c.amqp_url = raw.amqp_url;
  c.queues = service::split_list(raw.queues);
  c.amqp_queues = service::split_list(raw.amqp_queues);
  if (!c.amqp_url) c.amqp_queues.clear();  // no broker, no RabbitMQ DLQs
  if (c.celery_brokers.empty()) {
    if (auto v = env("CELERY_BROKER_URL")) c.celery_brokers.push_back(*v);
  }
  if (!raw.celery_queues.empty()) c.celery_queues = service::split_list(raw.celery_queues);
  c.probes = service::parse_probe_exposure(raw.probes, "--probes (ADMIN_PROBES)");
  if (!raw.namespaces.empty()) c.cache_namespaces = service::split_list(raw.namespaces);
  if (!raw.max_sleep.empty()) {
    c.max_sleep = std::chrono::seconds(
        service::parse_whole_number(raw.max_sleep, "SCHEDULER_MAX_SLEEP_SECONDS", 1, 3600));
  }
  if (!raw.auth_limit.empty()) {
    c.auth_failures_per_minute = static_cast<int>(
        service::parse_whole_number(raw.auth_limit, "ADMIN_AUTH_FAILURES_PER_MINUTE", 1, 10000));
  }
  c.db = raw.db_flag.empty() ? sql::database_url_from_env() : sql::database_url::parse(raw.db_flag);
  c.queue = queue::queue_options::from_env();
  if (!c.dlq && c.admin_enabled && c.admin_token.empty()) {
    throw std::invalid_argument("ADMIN_TOKEN must be set for the admin API (or use --no-admin)");
  }
}

}  // namespace

cli_outcome parse_command_line(int argc, const char* const* argv) {
  cli_outcome out;
  config& c = out.cfg;
  raw_settings raw;
  if (auto v = env("REDIS_URL")) c.redis_url = *v;
  if (auto v = env("ADMIN_TOKEN")) c.admin_token = *v;
  if (auto v = env("ADMIN_LISTEN")) c.admin_listen = *v;
  if (auto v = env("PROBE_LISTEN")) c.probe_listen = *v;

  CLI::App app{
      "ferry-retry-worker: promotes due retries of ferry's Redis queues, recovers stale jobs,\n"
      "trims DLQs, and serves an admin HTTP API (the dead letters of Redis queues, RabbitMQ\n"
      "queues and Celery on either broker; cache, health, metrics). Exit: 0 stopped, 2 usage,\n"
      "75 transient failure, 1 other failure."};
  app.fallthrough();
  add_options(app, c, raw);
  app.add_subcommand("serve", "scheduler + admin HTTP (the default)");
  service::dead_letter_command cmd;
  std::string source;
  const auto dlq = add_dlq_commands(app, cmd, source);
  try {
    app.parse(argc, argv);
    c.dlq = parsed_dlq_command(dlq, cmd, source);
    finish(c, raw);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    out.exit_code = rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {  // bad numbers, bad URLs
    std::cerr << "ferry-retry-worker: " << e.what() << "\n";
    out.exit_code = 2;
  }
  return out;
}

}  // namespace ferry::apps::retry
