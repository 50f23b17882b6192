// ferry-policyd — Postfix SMTPD access policy server. Glue only: configuration → directory →
// engine → server; failures map to exit codes here (usage 2, transient ferry::error 75, else 1).
#include <signal.h>
#include <sys/resource.h>

#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <ferry/core/error.hpp>
#include <ferry/postfix/listen_address.hpp>
#include <ferry/service/admin_http_server.hpp>
#include <ferry/service/probe_routes.hpp>
#include <ferry/service/prometheus.hpp>
#include <ferry/service/readiness.hpp>
#include <ferry/service/stop_signals.hpp>

#include <ferry/postfix/recipient_handler.hpp>

#include "backend.hpp"
#include "config.hpp"
#include "decision.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace policy = ferry::apps::policy;
namespace service = ferry::service;

namespace {

int run_admin_command(const policy::command& cmd, policy::recipient_admin& admin,
                      policy::logger& log) {
  using policy::command_kind;
  switch (cmd.kind) {
    case command_kind::init_db:
      admin.init_schema();
      log.info("schema ready");
      return 0;
    case command_kind::address_add:
      admin.add_address(cmd.address, cmd.active, cmd.customer);
      log.info("added " + cmd.address + (cmd.active ? "" : " (inactive)"));
      return 0;
    case command_kind::address_remove:
      if (!admin.remove_address(cmd.address)) {
        log.error("no such address: " + cmd.address);
        return 1;
      }
      return 0;
    case command_kind::address_set_active:
      if (!admin.set_active(cmd.address, cmd.active)) {
        log.error("no such address: " + cmd.address);
        return 1;
      }
      return 0;
    case command_kind::customer_set_tier:
      if (!admin.set_customer_tier(cmd.customer, cmd.tier)) {
        log.error("no such customer: " + cmd.customer);
        return 1;
      }
      return 0;
    case command_kind::serve: break;
  }
  return 0;
}

// The probe endpoint: /health, /ready (Redis and the database answer and accept their
// credentials) and /metrics, without a token, on a probe listener with 2 threads of its own,
// so a slow scraper never delays a Postfix answer.
std::unique_ptr<service::admin_http_server> start_probes(const std::string& listen,
                                                         service::metrics_registry& metrics,
                                                         policy::recipient_directory& directory,
                                                         policy::logger& log) {
  const auto where = ferry::postfix::parse_listen_address(listen);
  if (where.is_unix) {
    throw ferry::error(ferry::errc::config, "admin listen address must be host:port");
  }
  service::readiness ready;
  ready.add("backends", [&directory] {
    if (auto problem = directory.readiness_problem()) throw std::runtime_error(*problem);
  });
  service::http_router routes;
  service::add_probe_routes(
      routes, {.health = [](const service::http_request&) { return service::plain_ok(); },
               .ready = ready.handler(),
               .metrics = metrics.handler()});
  service::admin_http_options o;
  o.probe_listen = where.host + ":" + std::to_string(where.port);
  o.realm = "ferry-policyd";
  o.threads = 2;
  auto http = std::make_unique<service::admin_http_server>(std::move(o), std::move(routes));
  http->start();
  log.info("admin endpoint: http://127.0.0.1:" + std::to_string(http->probe_port()) +
           "/health, /ready and /metrics");
  return http;
}

int serve(const policy::app_config& cfg, const policy::directory_backend& backend,
          policy::logger& log) {
  // Before any thread starts, so only the wait below sees them.
  const auto stop_signals = ferry::service::stop_signals::block();

  // Each Postfix smtpd process holds one policy connection: allow as many descriptors as the
  // hard limit permits, as Postfix's own daemons do.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  policy::metrics stats;
  if (const auto cached = backend.cache) stats.watch_cache([cached] { return cached->stats(); });
  const auto limits = policy::open_rate_limits(cfg.limits, cfg.redis_url, log);
  if (limits) {
    stats.watch_rate_limits([&limits] { return limits->stats(); });
    log.info("rate limits: sender " + policy::format_limit_list(cfg.limits.sender) + ", client " +
             policy::format_limit_list(cfg.limits.client) + " (per accepted recipient)");
  }
  auto& directory = *backend.directory;
  const policy::policy_engine engine(
      directory, cfg.policy, limits ? limits->as_rate_check() : ferry::postfix::rate_check{});
  auto server =
      ferry::postfix::recipient_server(engine, cfg.server, &stats.server(), log.observer());
  service::metrics_registry metrics;  // outlives the probe server that serves it
  metrics.add([&stats](service::metrics_writer& out) { stats.collect(out); });
  std::unique_ptr<service::admin_http_server> probes;
  if (!cfg.admin_listen.empty()) probes = start_probes(cfg.admin_listen, metrics, directory, log);
  server.start();
  const int signal_number = stop_signals.wait();
  log.info("received " + std::string(ferry::service::stop_signals::name(signal_number)) +
           ", stopping");
  server.stop();
  if (probes) probes->stop();
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  const std::vector<std::string> args(argv, argv + argc);
  auto parsed =
      policy::parse_command_line(args, policy::process_environment(), std::cout, std::cerr);
  if (parsed.exit_code) return *parsed.exit_code;
  policy::logger log(parsed.config.level);
  try {
    auto backend = policy::open_backend(parsed.config, log.observer());
    if (parsed.cmd.kind != policy::command_kind::serve) {
      return run_admin_command(parsed.cmd, *backend.admin, log);
    }
    return serve(parsed.config, backend, log);
  } catch (const ferry::error& e) {
    log.error(e.what());
    return e.is_transient() ? 75 : 1;
  } catch (const std::invalid_argument& e) {
    log.error(e.what());
    return 2;
  } catch (const std::exception& e) {
    log.error(e.what());
    return 1;
  }
}
