#include "admin_http.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <ferry/cache/report.hpp>
#include <ferry/core/error.hpp>
#include <ferry/redis/scan.hpp>

#include <ferry/service/dead_letter_admin.hpp>
#include <ferry/service/json_errors.hpp>
#include <ferry/service/probe_routes.hpp>
#include <ferry/service/prometheus.hpp>
#include <ferry/service/readiness.hpp>

#include "common/dependency_checks.hpp"

namespace ferry::apps::retry {
namespace {

using service::http_request;
using service::http_response;
using service::http_router;
using service::route_access;

http_response reply(int status, const nlohmann::json& body) {
  return {.status = status,
          .content_type = "application/json",
          .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
          .headers = {}};
}

http_response clear_cache(const http_request& req, const admin_options& opts,
                          redis::client& redis) {
  const auto ns = req.param("namespace").value_or("");
  if (ns.empty()) {
    throw std::invalid_argument("namespace is required (one of the CACHE_NAMESPACES)");
  }
  const auto& allowed = opts.cache_namespaces;
  if (std::find(allowed.begin(), allowed.end(), ns) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw std::invalid_argument("unknown namespace '" + ns + "' (allowed: " + list + ")");
  }
  // SCAN + UNLINK of "<namespace>*" only; the namespace is escaped, never a glob.
  const auto n = redis::delete_matching(redis, redis::escape_glob(ns) + "*");
  return reply(200, {{"namespace", ns}, {"deleted", n}});
}

// GET /metrics: the worker's counters, then the DLQ and queue gauges read at each scrape.
service::http_handler metrics_route(std::shared_ptr<const dead_letter_catalog> dead_letters,
                                    const worker_metrics& metrics) {
  auto registry = std::make_shared<service::metrics_registry>();
  registry->add([&metrics](service::metrics_writer& out) { metrics.collect(out); });
  registry->add([dead_letters](service::metrics_writer& out) {
    std::vector<dead_letter_queue_info> stats;
    bool have = false;
    try {
      stats = dead_letters->queues();
      have = true;
    } catch (const std::exception&) {  // shown as ferry_retry_stats_up 0
    }
    collect_dlq_stats(out, have ? &stats : nullptr);
  });
  // The handler keeps the registry alive: the routes outlive this call.
  return
      [registry, handler = registry->handler()](const http_request& req) { return handler(req); };
}

}  // namespace

http_router admin_routes(const admin_options& opts, const admin_deps& d) {
  http_router r;
  service::add_dead_letter_routes(r, d.dead_letters,
                                  {.max_body = opts.max_body, .observer = opts.observer});
  // Each handler copies what it needs: the routes outlive this call.
  const auto route = [&](const char* method, const char* pattern, auto fn) {
    r.add(method, pattern, route_access::token, opts.max_body,
          service::with_json_errors(fn, opts.observer, "retry.admin"));
  };
  route("GET", "/admin/cache/stats", [opts, d](const http_request&) {
    auto body = nlohmann::json::parse(cache::to_json(cache::cache_report(*d.redis, {})));
    body["namespaces"] = opts.cache_namespaces;
    return reply(body.value("/redis/reachable"_json_pointer, false) ? 200 : 503, body);
  });
  route("DELETE", "/admin/cache/clear",
        [opts, d](const http_request& req) { return clear_cache(req, opts, *d.redis); });

  service::readiness ready;
  ready.add(redis_check(d.health.redis));
  ready.add(amqp_check(d.health.amqp));
  ready.add(database_check(d.health.db));
  service::add_probe_routes(
      r, {.ready = ready.handler(), .metrics = metrics_route(d.dead_letters, *d.metrics)});
  return r;
}

admin_server::admin_server(admin_options options, admin_deps deps) {
  if (options.token.empty()) throw std::invalid_argument("admin API: empty bearer token");
  if (!deps.dead_letters || !deps.redis || !deps.metrics) {
    throw std::invalid_argument("admin API: missing dependency");
  }
  auto routes = admin_routes(options, deps);
  worker_metrics* metrics = deps.metrics;
  service::admin_http_options o;
  o.listen = options.listen;
  o.probe_listen = options.probe_listen;
  o.token = options.token;
  o.probes = options.probes;
  o.auth_failures_per_minute = options.auth_failures_per_minute;
  o.realm = "ferry-retry-worker";
  o.body_timeout = std::chrono::seconds(10);  // /admin bodies are a few bytes at most
  o.observe = [metrics](const service::http_event& e) {
    metrics->request(e.status);
    if (e.auth_failed) metrics->auth_failure();
    if (e.locked_out) metrics->rate_limited();
  };
  o.observer = options.observer;
  http_ = std::make_unique<service::admin_http_server>(std::move(o), std::move(routes));
}

admin_server::~admin_server() = default;

void admin_server::start() {
  http_->start();
}

void admin_server::stop() {
  http_->stop();
}

int admin_server::port() const noexcept {
  return http_->port();
}

int admin_server::probe_port() const noexcept {
  return http_->probe_port();
}

}  // namespace ferry::apps::retry
