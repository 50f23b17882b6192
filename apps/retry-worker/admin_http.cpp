#include "admin_http.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <ferry/cache/report.hpp>
#include <ferry/error.hpp>
#include <ferry/redis/scan.hpp>

#include <ferry/service/prometheus.hpp>
#include <ferry/service/readiness.hpp>

#include "common/dependency_checks.hpp"
#include "views.hpp"

namespace ferry::apps::retry {
namespace {

using service::http_request;
using service::http_response;
using service::http_router;
using service::route_access;

http_response reply(int status, const nlohmann::json& body) {
  return {.status = status,
          .content_type = "application/json",
          .body = dump(body) + "\n",
          .headers = {}};
}

// offset/limit query values: digits only, within bounds, else 400.
std::size_t query_number(const http_request& req, const char* name, std::size_t fallback,
                         std::size_t lo, std::size_t hi) {
  const auto v = req.param(name);
  if (!v) return fallback;
  const bool digits =
      !v->empty() && v->size() <= 9 &&
      std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::size_t n = digits ? std::stoul(*v) : 0;
  if (!digits || n < lo || n > hi) {
    throw std::invalid_argument(std::string(name) + " must be a whole number in [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

// Runs a handler and maps what it throws to a JSON error answer.
http_response guarded(const admin_options& opts, const http_request& req,
                      const std::function<http_response()>& fn) {
  const auto report = [&](const std::exception& e) {
    const std::string what = req.method + " " + req.path;
    opts.observer.error(e, {.component = "retry.admin", .operation = what});
  };
  try {
    return fn();
  } catch (const std::invalid_argument& e) {
    return reply(400, error_view(e.what()));
  } catch (const ferry::error& e) {
    if (e.code() == errc::not_found) return reply(404, error_view(e.what()));
    report(e);
    return reply(e.is_transient() ? 503 : 500, error_view(e.what()));
  } catch (const std::exception& e) {
    report(e);
    return reply(500, error_view(e.what()));
  }
}

// One dead letter by id (path params: queue, id): `op` on it, 404 when it is not in the DLQ,
// else {"queue", "id", <done_key>: 1}.
http_response one_dead_letter(const http_request& req, dlq_admin& dlq, const char* done_key,
                              bool (dlq_admin::*op)(std::string_view, std::string_view)) {
  const std::string& q = req.path_params.at(0);
  const std::string& id = req.path_params.at(1);
  if (!(dlq.*op)(q, id)) {
    throw error(errc::not_found, "no dead letter '" + id + "' in queue '" + q + "'");
  }
  return reply(200, {{"queue", q}, {"id", id}, {done_key, 1}});
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
service::http_handler metrics_route(dlq_admin& dlq, const worker_metrics& metrics) {
  auto registry = std::make_shared<service::metrics_registry>();
  registry->add([&metrics](service::metrics_writer& out) { metrics.collect(out); });
  registry->add([&dlq](service::metrics_writer& out) {
    std::vector<dlq_summary> stats;
    bool have = false;
    try {
      stats = dlq.stats();
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
  const auto token = route_access::token;
  const auto limit = opts.max_body;
  // Each handler copies what it needs: the routes outlive this call.
  const auto route = [&](const char* method, const char* pattern, auto fn) {
    r.add(method, pattern, token, limit, [opts, d, fn](const http_request& req) {
      return guarded(opts, req, [&] { return fn(req); });
    });
  };
  // Registered before "/admin/dlq/<queue>", which would match "stats" too.
  route("GET", "/admin/dlq/stats",
        [d](const http_request&) { return reply(200, stats_view(d.dlq->stats())); });
  route("GET", R"(/admin/dlq/([^/]+))", [d](const http_request& req) {
    const auto offset = query_number(req, "offset", 0, 0, 100'000'000);
    const auto n = query_number(req, "limit", 50, 1, d.dlq->options().max_limit);
    return reply(200, page_view(d.dlq->list(req.path_params.at(0), offset, n)));
  });
  route("POST", R"(/admin/dlq/([^/]+)/requeue/([^/]+))", [d](const http_request& req) {
    return one_dead_letter(req, *d.dlq, "requeued", &dlq_admin::requeue);
  });
  route("POST", R"(/admin/dlq/([^/]+)/requeue-all)", [d](const http_request& req) {
    const std::string& q = req.path_params.at(0);
    return reply(200, {{"queue", q}, {"requeued", d.dlq->requeue_all(q)}});
  });
  route("DELETE", R"(/admin/dlq/([^/]+)/([^/]+))", [d](const http_request& req) {
    return one_dead_letter(req, *d.dlq, "deleted", &dlq_admin::remove);
  });
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
  r.add("GET", "/health", route_access::probe, 0,
        [](const http_request&) { return service::liveness(); });
  r.add("GET", "/ready", route_access::probe, 0, ready.handler());
  r.add("GET", "/metrics", route_access::probe, 0, metrics_route(*d.dlq, *d.metrics));
  return r;
}

admin_server::admin_server(admin_options options, admin_deps deps) {
  if (options.token.empty()) throw std::invalid_argument("admin API: empty bearer token");
  if (!deps.dlq || !deps.redis || !deps.metrics) {
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
