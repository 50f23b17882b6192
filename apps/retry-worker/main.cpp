// ferry-retry-worker — scheduler for ferry's Redis queues (promote due retries, recover stale
// jobs, trim DLQs) plus the admin HTTP API and the `dlq` CLI over every dead-letter source. Glue
// only: configuration → handles → library; failures map to exit codes here (usage 2, transient
// ferry::error 75, else 1).
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <ferry/amqp/url.hpp>
#include <ferry/core/error.hpp>
#include <ferry/queue/queue.hpp>
#include <ferry/queue/scheduler.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/service/stop_signals.hpp>

#include "admin_http.hpp"
#include "config.hpp"
#include "dead_letters.hpp"
#include "metrics.hpp"

namespace retry = ferry::apps::retry;

namespace {

void log(std::string_view line) {
  std::cerr << "ferry-retry-worker: " << line << std::endl;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "(none yet)" : s;
}

// The queues QUEUES names, or with QUEUES unset every queue ever used, which the scheduler
// looks up again every minute so new ones are picked up.
struct scheduled_queues {
  std::vector<std::unique_ptr<ferry::queue::queue>> queues;
  std::unique_ptr<ferry::queue::scheduler> sched;
};

void start_scheduler(scheduled_queues& s, const retry::config& cfg, ferry::redis::client& redis,
                     retry::worker_metrics& metrics) {
  ferry::queue::scheduler_options o;
  o.max_sleep = cfg.max_sleep;
  o.observer = ferry::observer::errors_to([&metrics](const std::exception& e, const auto&) {
    metrics.scheduler_error();
    log(std::string("scheduler: ") + e.what());
  });
  o.on_pass = [&metrics](const ferry::queue::maintenance_report& r) {
    metrics.record_pass(r);
    if (r.promoted + r.recovered + r.trimmed > 0) {
      log("scheduler: promoted " + std::to_string(r.promoted) + ", recovered " +
          std::to_string(r.recovered) + ", trimmed " + std::to_string(r.trimmed));
    }
  };
  if (cfg.queues.empty()) {
    o.discovery_interval = std::chrono::minutes(1);
    o.on_discover = [](const std::vector<std::string>& names) {
      log("scheduling queues: " + joined(names));
    };
    s.sched = std::make_unique<ferry::queue::scheduler>(redis, cfg.queue, std::move(o));
    // The first listing and pass here: Redis unreachable at start-up is exit 75, not a loop.
    metrics.record_pass(s.sched->run_once());
  } else {
    std::vector<ferry::queue::queue*> ptrs;
    for (const auto& n : cfg.queues) {
      s.queues.push_back(std::make_unique<ferry::queue::queue>(redis, n, cfg.queue));
      ptrs.push_back(s.queues.back().get());
    }
    s.sched = std::make_unique<ferry::queue::scheduler>(std::move(ptrs), std::move(o));
    log("scheduling queues: " + joined(cfg.queues));
  }
  s.sched->start();
}

void trim_dead_letters(const ferry::dead_letter_catalog& dead_letters, const retry::config& cfg,
                       retry::worker_metrics& metrics) {
  try {
    const auto n = dead_letters.trim(
        std::chrono::duration_cast<std::chrono::seconds>(cfg.queue.dlq_retention));
    metrics.record_trim(n);
    if (n > 0) log("retention: removed " + std::to_string(n) + " old dead letter(s)");
  } catch (const std::exception& e) {
    metrics.scheduler_error();
    log(std::string("retention: ") + e.what());
  }
}

int serve(const retry::config& cfg, ferry::redis::client& redis,
          std::shared_ptr<const ferry::dead_letter_catalog> dead_letters,
          const std::optional<ferry::amqp::url>& amqp) {
  // Before any thread starts, so only the wait below sees them.
  const auto stop_signals = ferry::service::stop_signals::block();

  retry::worker_metrics metrics;
  std::unique_ptr<retry::admin_server> http;
  if (cfg.admin_enabled) {
    retry::admin_options ao;
    ao.listen = cfg.admin_listen;
    ao.token = cfg.admin_token;
    ao.auth_failures_per_minute = cfg.auth_failures_per_minute;
    ao.cache_namespaces = cfg.cache_namespaces;
    ao.probe_listen = cfg.probe_listen;
    ao.probes = cfg.probes;
    ao.observer =
        ferry::observer::errors_to([](const std::exception& e, const ferry::error_context& ctx) {
          log("admin API: " + std::string(ctx.operation) + ": " + e.what());
        });
    retry::admin_deps deps{.dead_letters = dead_letters,
                           .redis = &redis,
                           .metrics = &metrics,
                           .health = {.redis = &redis, .amqp = amqp, .db = cfg.db}};
    http = std::make_unique<retry::admin_server>(std::move(ao), std::move(deps));
    http->start();
    log("admin API on http://" + cfg.admin_listen.substr(0, cfg.admin_listen.rfind(':')) + ":" +
        std::to_string(http->port()));
    if (http->probe_port() > 0) {
      log("probes on http://" + cfg.probe_listen.substr(0, cfg.probe_listen.rfind(':')) + ":" +
          std::to_string(http->probe_port()) + " (/health, /ready, /metrics; no token)");
    }
  }

  scheduled_queues sched;
  start_scheduler(sched, cfg, redis, metrics);
  // The scheduler trims the Redis queues' DLQs; every other source's dead letters age out on
  // the same retention here, at start and then hourly.
  do {
    trim_dead_letters(*dead_letters, cfg, metrics);
  } while (!stop_signals.wait_for(std::chrono::hours(1)));
  log("stopping");
  if (sched.sched) sched.sched->stop();
  if (http) http->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = retry::parse_command_line(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  const retry::config& cfg = parsed.cfg;
  try {
    std::optional<ferry::amqp::url> amqp;
    if (cfg.amqp_url) amqp = ferry::amqp::url::parse(*cfg.amqp_url);
    ferry::redis::client redis{cfg.redis_url};
    auto dead_letters = retry::open_dead_letters(cfg, redis);
    if (cfg.dlq) return ferry::service::run_dead_letter_command(*dead_letters, *cfg.dlq, std::cout);
    return serve(cfg, redis, std::move(dead_letters), amqp);
  } catch (const std::invalid_argument& e) {  // malformed queue name, id, offset ...
    log(e.what());
    return 2;
  } catch (const ferry::error& e) {
    log(e.what());
    return e.is_transient() ? 75 : 1;
  } catch (const std::exception& e) {
    log(e.what());
    return 1;
  }
}
