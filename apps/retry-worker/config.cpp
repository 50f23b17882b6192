#include "config.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "common/env.hpp"

namespace ferry::apps::retry {
namespace {

long long whole_number(const std::string& text, const char* what, long long lo, long long hi) {
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || n < lo || n > hi) {
    throw std::invalid_argument(std::string(what) + "=\"" + text + "\" is not a whole number in [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

}  // namespace

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto comma = std::min(text.find(',', pos), text.size());
    auto item = text.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

cli_outcome parse_command_line(int argc, const char* const* argv) {
  cli_outcome out;
  config& c = out.cfg;
  command& cmd = c.cmd;
  std::string queues = env("QUEUES").value_or("");
  std::string amqp_queues = env("RABBITMQ_QUEUES").value_or(env("RABBITMQ_QUEUE").value_or(""));
  std::string namespaces = env("CACHE_NAMESPACES").value_or("");
  std::string max_sleep = env("SCHEDULER_MAX_SLEEP_SECONDS").value_or("");
  std::string auth_limit = env("ADMIN_AUTH_FAILURES_PER_MINUTE").value_or("");
  std::string db_flag;
  std::string amqp_url = env("RABBITMQ_URL").value_or("");
  if (auto v = env("REDIS_URL")) c.redis_url = *v;
  if (auto v = env("ADMIN_TOKEN")) c.admin_token = *v;
  if (auto v = env("ADMIN_LISTEN")) c.admin_listen = *v;
  if (auto v = env("PROBE_LISTEN")) c.probe_listen = *v;
  std::string probes = env("ADMIN_PROBES").value_or("auto");

  CLI::App app{
      "ferry-retry-worker: promotes due retries of ferry's Redis queues, recovers stale jobs,\n"
      "trims DLQs, and serves an admin HTTP API (DLQs of Redis and RabbitMQ queues, cache,\n"
      "health, metrics). Exit: 0 stopped, 2 usage, 75 transient failure, 1 other failure."};
  app.fallthrough();
  app.add_option("--redis-url", c.redis_url, "Redis [REDIS_URL]");
  app.add_option("--amqp-url", amqp_url, "RabbitMQ; empty: no RabbitMQ DLQs [RABBITMQ_URL]");
  app.add_option("--queues", queues, "Redis queues, comma-separated; default: all known [QUEUES]");
  app.add_option("--amqp-queues", amqp_queues,
                 "RabbitMQ work queues whose <queue>.dlq is served [RABBITMQ_QUEUES]");
  app.add_option("--database-url,--db-url", db_flag,
                 "database checked by /ready [DATABASE_URL, DB_URL or DB_HOST/DB_NAME/...]");
  app.add_option("--listen", c.admin_listen, "admin HTTP address [ADMIN_LISTEN]");
  app.add_option("--probe-listen", c.probe_listen,
                 "/health, /ready, /metrics without token on this host:port [PROBE_LISTEN]");
  app.add_option("--probes", probes,
                 "probes on --listen without token: auto (on loopback only), open, token "
                 "[ADMIN_PROBES]");
  app.add_flag(
      "--no-admin", [&c](std::int64_t) { c.admin_enabled = false; },
      "run the scheduler without the admin HTTP API");
  app.add_option("--auth-failures-per-minute", auth_limit,
                 "failed logins per address before 429 [ADMIN_AUTH_FAILURES_PER_MINUTE]");
  app.add_option("--cache-namespaces", namespaces,
                 "key prefixes /admin/cache/clear may clear [CACHE_NAMESPACES]");
  app.add_option("--max-sleep-seconds", max_sleep,
                 "longest scheduler sleep [SCHEDULER_MAX_SLEEP_SECONDS]");

  app.add_subcommand("serve", "scheduler + admin HTTP (the default)");
  auto* dlq = app.add_subcommand("dlq", "dead-letter queues without HTTP");
  dlq->require_subcommand(1);
  auto* list = dlq->add_subcommand("list", "DLQ sizes, or the dead letters of QUEUE");
  list->add_option("queue", cmd.queue, "queue name");
  list->add_option("--offset", cmd.offset, "skip this many");
  list->add_option("--limit", cmd.limit, "show at most this many");
  list->add_flag("--json", cmd.json, "print JSON as the HTTP API does");
  auto* requeue = dlq->add_subcommand("requeue", "move dead letters back to the work queue");
  requeue->add_option("queue", cmd.queue, "queue name")->required();
  requeue->add_option("id", cmd.id, "dead letter id");
  requeue->add_flag("--all", cmd.all, "every dead letter of QUEUE");
  auto* purge = dlq->add_subcommand("purge", "delete one dead letter (ID) or all of QUEUE");
  purge->add_option("queue", cmd.queue, "queue name")->required();
  purge->add_option("id", cmd.id, "dead letter id");
  try {
    app.parse(argc, argv);
    if (list->parsed()) cmd.kind = command_kind::dlq_list;
    if (requeue->parsed()) {
      cmd.kind = command_kind::dlq_requeue;
      if (cmd.all == !cmd.id.empty()) throw CLI::ValidationError("dlq requeue needs ID or --all");
    }
    if (purge->parsed()) cmd.kind = command_kind::dlq_purge;
    if (!amqp_url.empty()) c.amqp_url = amqp_url;
    c.queues = split_list(queues);
    c.amqp_queues = split_list(amqp_queues);
    if (!c.amqp_url) c.amqp_queues.clear();  // no broker, no RabbitMQ DLQs
    c.probes = service::parse_probe_exposure(probes, "--probes (ADMIN_PROBES)");
    if (!namespaces.empty()) c.cache_namespaces = split_list(namespaces);
    if (!max_sleep.empty()) {
      c.max_sleep =
          std::chrono::seconds(whole_number(max_sleep, "SCHEDULER_MAX_SLEEP_SECONDS", 1, 3600));
    }
    if (!auth_limit.empty()) {
      c.auth_failures_per_minute =
          static_cast<int>(whole_number(auth_limit, "ADMIN_AUTH_FAILURES_PER_MINUTE", 1, 10000));
    }
    if (!db_flag.empty()) {
      c.db = sql::database_url::parse(db_flag);
    } else {
      c.db = sql::database_url_from_env();
    }
    c.queue = queue::queue_options::from_env();
    if (cmd.kind == command_kind::serve && c.admin_enabled && c.admin_token.empty()) {
      throw std::invalid_argument("ADMIN_TOKEN must be set for the admin API (or use --no-admin)");
    }
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
