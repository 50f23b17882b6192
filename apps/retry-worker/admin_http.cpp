#include "admin_http.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include <ferry/cache/report.hpp>
#include <ferry/error.hpp>
#include <ferry/ratelimit/local_limiter.hpp>
#include <ferry/redis/scan.hpp>

#include "common/http_listener.hpp"
#include "common/prometheus.hpp"
#include "views.hpp"

namespace ferry::apps::retry {
namespace {

using steady = std::chrono::steady_clock;

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(dump(body) + "\n", "application/json");
}

// Token comparison whose time does not depend on where the first difference is.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0U : 1U;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

// offset/limit query values: digits only, within bounds, else 400.
std::size_t query_number(const httplib::Request& req, const char* name, std::size_t fallback,
                         std::size_t lo, std::size_t hi) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  const bool digits = !v.empty() && v.size() <= 9 &&
                      std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::size_t n = digits ? std::stoul(v) : 0;
  if (!digits || n < lo || n > hi) {
    throw std::invalid_argument(std::string(name) + " must be a whole number in [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

std::pair<std::string, int> split_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::invalid_argument("admin listen address must be host:port, got \"" + listen + "\"");
  }
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) > 65535) {
    throw std::invalid_argument("admin listen port must be 0-65535, got \"" + listen + "\"");
  }
  return {listen.substr(0, colon), std::stoi(port)};
}

}  // namespace

struct admin_server::impl {
  admin_options opts;
  admin_deps deps;
  httplib::Server http;
  std::optional<http_listener> listener;  // after http: stopped before the server goes
  ratelimit::local_limiter failures;
  std::mutex blocked_mutex;
  std::unordered_map<std::string, steady::time_point> blocked;  // address -> refused until

  impl(admin_options o, admin_deps d)
      : opts(std::move(o)),
        deps(std::move(d)),
        failures(ratelimit::local_limiter_options{
            .limits = {{.count = opts.auth_failures_per_minute, .window = std::chrono::minutes(1)}},
        }) {}

  // Seconds the address must still wait, or 0 when it is not blocked.
  long long blocked_for(const std::string& addr) {
    std::lock_guard lock{blocked_mutex};
    const auto it = blocked.find(addr);
    if (it == blocked.end()) return 0;
    const auto now = steady::now();
    if (it->second <= now) {
      blocked.erase(it);
      return 0;
    }
    return std::chrono::ceil<std::chrono::seconds>(it->second - now).count();
  }

  void block(const std::string& addr, std::chrono::milliseconds for_how_long) {
    std::lock_guard lock{blocked_mutex};
    const auto now = steady::now();
    if (blocked.size() > 10000) std::erase_if(blocked, [&](auto& e) { return e.second <= now; });
    blocked[addr] = now + std::max(for_how_long, std::chrono::milliseconds(1000));
  }

  void too_many(httplib::Response& res, long long seconds) {
    deps.metrics->rate_limited();
    res.set_header("Retry-After", std::to_string(std::max(seconds, 1LL)));
    reply(res, 429, error_view("too many failed authentication attempts; retry later"));
  }

  httplib::Server::HandlerResponse authenticate(const httplib::Request& req,
                                                httplib::Response& res) {
    if (const auto wait = blocked_for(req.remote_addr); wait > 0) {
      too_many(res, wait);
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view scheme = "Bearer ";
    const bool ok = header.size() > scheme.size() &&
                    header.compare(0, scheme.size(), scheme) == 0 &&
                    same_secret(std::string_view(header).substr(scheme.size()), opts.token);
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    deps.metrics->auth_failure();
    const auto d = failures.acquire(req.remote_addr);
    if (!d.allowed) {
      block(req.remote_addr, d.retry_after);
      too_many(res, std::chrono::ceil<std::chrono::seconds>(d.retry_after).count());
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("WWW-Authenticate", "Bearer realm=\"ferry-retry-worker\"");
    reply(res, 401,
          error_view(header.empty() ? "missing bearer token (Authorization: Bearer <ADMIN_TOKEN>)"
                                    : "invalid bearer token"));
    return httplib::Server::HandlerResponse::Handled;
  }

  // Runs a handler and maps what it throws to a JSON error answer.
  void guarded(httplib::Response& res, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::invalid_argument& e) {
      reply(res, 400, error_view(e.what()));
    } catch (const ferry::error& e) {
      if (e.code() == errc::not_found) {
        reply(res, 404, error_view(e.what()));
      } else {
        reply(res, e.is_transient() ? 503 : 500, error_view(e.what()));
        if (opts.log) opts.log(e.what());
      }
    } catch (const std::exception& e) {
      reply(res, 500, error_view(e.what()));
      if (opts.log) opts.log(e.what());
    }
  }

  // One dead letter by id (route groups: queue, id): `op` on it, 404 when it is not in the
  // DLQ, else {"queue", "id", <done_key>: 1}.
  void one_dead_letter(const httplib::Request& req, httplib::Response& res, const char* done_key,
                       bool (dlq_admin::*op)(std::string_view, std::string_view)) {
    guarded(res, [&] {
      const std::string q = req.matches[1].str(), id = req.matches[2].str();
      if (!(deps.dlq->*op)(q, id)) {
        throw error(errc::not_found, "no dead letter '" + id + "' in queue '" + q + "'");
      }
      reply(res, 200, {{"queue", q}, {"id", id}, {done_key, 1}});
    });
  }

  void routes() {
    using req_t = const httplib::Request&;
    using res_t = httplib::Response&;
    http.set_pre_routing_handler([this](req_t req, res_t res) { return authenticate(req, res); });
    http.set_logger(
        [this](req_t, const httplib::Response& res) { deps.metrics->request(res.status); });
    http.set_error_handler([](req_t req, res_t res) {
      if (!res.body.empty()) return;  // a handler's own error answer
      std::string why = "request failed";
      if (res.status == 404) why = "no such endpoint: " + req.method + " " + req.path;
      // httplib refuses a POST/DELETE that announces no body length (curl -X POST without -d).
      if (res.status == 400)
        why = "malformed HTTP request (send Content-Length: 0 with an empty POST)";
      reply(res, res.status, error_view(why));
    });

    // Registered before "/admin/dlq/<queue>", which would match "stats" too.
    http.Get("/admin/dlq/stats", [this](req_t, res_t res) {
      guarded(res, [&] { reply(res, 200, stats_view(deps.dlq->stats())); });
    });
    http.Get(R"(/admin/dlq/([^/]+))", [this](req_t req, res_t res) {
      guarded(res, [&] {
        const auto offset = query_number(req, "offset", 0, 0, 100'000'000);
        const auto limit = query_number(req, "limit", 50, 1, deps.dlq->options().max_limit);
        reply(res, 200, page_view(deps.dlq->list(req.matches[1].str(), offset, limit)));
      });
    });
    http.Post(R"(/admin/dlq/([^/]+)/requeue/([^/]+))", [this](req_t req, res_t res) {
      one_dead_letter(req, res, "requeued", &dlq_admin::requeue);
    });
    http.Post(R"(/admin/dlq/([^/]+)/requeue-all)", [this](req_t req, res_t res) {
      guarded(res, [&] {
        const std::string q = req.matches[1].str();
        reply(res, 200, {{"queue", q}, {"requeued", deps.dlq->requeue_all(q)}});
      });
    });
    http.Delete(R"(/admin/dlq/([^/]+)/([^/]+))", [this](req_t req, res_t res) {
      one_dead_letter(req, res, "deleted", &dlq_admin::remove);
    });
    http.Get("/admin/cache/stats", [this](req_t, res_t res) {
      guarded(res, [&] {
        auto body = nlohmann::json::parse(cache::to_json(cache::cache_report(*deps.redis, {})));
        body["namespaces"] = opts.cache_namespaces;
        reply(res, body.value("/redis/reachable"_json_pointer, false) ? 200 : 503, body);
      });
    });
    http.Delete("/admin/cache/clear", [this](req_t req, res_t res) {
      guarded(res, [&] {
        if (!req.has_param("namespace") || req.get_param_value("namespace").empty()) {
          throw std::invalid_argument("namespace is required (one of the CACHE_NAMESPACES)");
        }
        const std::string ns = req.get_param_value("namespace");
        const auto& allowed = opts.cache_namespaces;
        if (std::find(allowed.begin(), allowed.end(), ns) == allowed.end()) {
          std::string list;
          for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
          throw std::invalid_argument("unknown namespace '" + ns + "' (allowed: " + list + ")");
        }
        // SCAN + UNLINK of "<namespace>*" only; the namespace is escaped, never a glob.
        const auto n = redis::delete_matching(*deps.redis, redis::escape_glob(ns) + "*");
        reply(res, 200, {{"namespace", ns}, {"deleted", n}});
      });
    });
    http.Get("/health", [this](req_t, res_t res) {
      guarded(res, [&] {
        auto h = check_health(deps.health);
        reply(res, h.healthy ? 200 : 503, h.body);
      });
    });
    http.Get("/metrics", [this](req_t, res_t res) {
      guarded(res, [&] {
        std::vector<dlq_summary> stats;
        bool have = false;
        try {
          stats = deps.dlq->stats();
          have = true;
        } catch (const std::exception&) {  // shown as ferry_retry_stats_up 0
        }
        res.set_content(deps.metrics->render(have ? &stats : nullptr),
                        std::string(prometheus_text::content_type));
      });
    });
  }
};

admin_server::admin_server(admin_options options, admin_deps deps) {
  if (options.token.empty()) throw std::invalid_argument("admin API: empty bearer token");
  if (options.auth_failures_per_minute < 1) {
    throw std::invalid_argument("admin API: auth_failures_per_minute must be >= 1");
  }
  if (!deps.dlq || !deps.redis || !deps.metrics) {
    throw std::invalid_argument("admin API: missing dependency");
  }
  const auto [host, port] = split_listen(options.listen);
  impl_ = std::make_unique<impl>(std::move(options), std::move(deps));
  impl_->http.new_task_queue = [] { return new httplib::ThreadPool(4); };
  impl_->routes();
  impl_->listener.emplace(impl_->http, host, port, "admin API");
}

admin_server::~admin_server() {
  stop();
}

void admin_server::start() {
  impl_->listener->start();
}

void admin_server::stop() {
  impl_->listener->stop();
}

int admin_server::port() const noexcept {
  return impl_->listener->port();
}

}  // namespace ferry::apps::retry
