// The dead-letter admin API over a dead_letter_catalog (see dead_letter_admin.hpp).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dead_letter_lookup.hpp"
#include "ferry/core/error.hpp"
#include "ferry/service/dead_letter_admin.hpp"
#include "ferry/service/json_errors.hpp"
#include "json_text.hpp"

namespace ferry::service {
namespace {

using catalog_ptr = std::shared_ptr<const dead_letter_catalog>;

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

// The store a request names: path parameter 0 is the queue, ?source= picks among stores.
dead_letter_store& store_of(const dead_letter_catalog& catalog, const http_request& req) {
  return detail::checked_store_for(catalog, req.param("source"), req.path_params.at(0));
}

// {"source","queue","id",<done>: 1}, or 404 when the letter was not there.
http_response one_done(const http_request& req, dead_letter_store& store, const char* done,
                       bool found) {
  const std::string& queue = req.path_params.at(0);
  const std::string& id = req.path_params.at(1);
  if (!found) throw error(errc::not_found, "no dead letter '" + id + "' in queue '" + queue + "'");
  const nlohmann::json body{
      {"source", std::string(store.source())}, {"queue", queue}, {"id", id}, {done, 1}};
  return detail::json_response(200, body);
}

http_response all_done(const http_request& req, dead_letter_store& store, const char* done,
                       std::size_t n) {
  const nlohmann::json body{
      {"source", std::string(store.source())}, {"queue", req.path_params.at(0)}, {done, n}};
  return detail::json_response(200, body);
}

// `prefix` as a regular expression matching itself.
std::string literal(std::string_view prefix) {
  std::string out;
  for (const char c : prefix) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void check_dead_letter_queue_name(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == ':' || c == '-';
      });
  if (!ok) {
    throw std::invalid_argument("a queue name is 1-200 of the characters A-Z a-z 0-9 _ . : -");
  }
}

dead_letter_page read_dead_letter_page(const dead_letter_catalog& catalog,
                                       std::optional<std::string> source, std::string_view queue,
                                       std::size_t offset, std::size_t limit) {
  auto& store = detail::checked_store_for(catalog, source, queue);
  dead_letter_page page{.source = std::string(store.source()),
                        .queue = std::string(queue),
                        .total = store.count(queue),
                        .offset = offset,
                        .limit = limit,
                        .letters = {}};
  page.letters = store.page(queue, offset, limit);
  return page;
}

void add_dead_letter_routes(http_router& router, catalog_ptr catalog,
                            const dead_letter_admin_options& options) {
  if (!catalog) throw std::invalid_argument("dead-letter routes: null catalog");
  const auto prefix = literal(options.prefix);
  const auto route = [&](const char* method, const std::string& pattern, auto fn) {
    router.add(
        method, prefix + pattern, route_access::token, options.max_body,
        with_json_errors([catalog, fn](const http_request& req) { return fn(*catalog, req); },
                         options.observer, "service.dead_letters"));
  };
  // "/stats" before "/<queue>", which would match it too.
  route("GET", "/stats", [](const dead_letter_catalog& c, const http_request&) {
    return detail::json_response(200, dead_letter_queues_json(c.queues()));
  });
  route("GET", "/([^/]+)", [options](const dead_letter_catalog& c, const http_request& req) {
    const auto offset = query_number(req, "offset", 0, 0, 100'000'000);
    const auto limit = query_number(req, "limit", options.default_limit, 1, options.max_limit);
    return detail::json_response(
        200, dead_letter_page_json(read_dead_letter_page(c, req.param("source"),
                                                         req.path_params.at(0), offset, limit)));
  });
  route("POST", "/([^/]+)/requeue/([^/]+)",
        [](const dead_letter_catalog& c, const http_request& r) {
          auto& s = store_of(c, r);
          return one_done(r, s, "requeued", s.requeue(r.path_params.at(0), r.path_params.at(1)));
        });
  route("POST", "/([^/]+)/requeue-all", [](const dead_letter_catalog& c, const http_request& r) {
    auto& s = store_of(c, r);
    return all_done(r, s, "requeued", s.requeue_all(r.path_params.at(0)));
  });
  route("DELETE", "/([^/]+)/([^/]+)", [](const dead_letter_catalog& c, const http_request& r) {
    auto& s = store_of(c, r);
    return one_done(r, s, "deleted", s.remove(r.path_params.at(0), r.path_params.at(1)));
  });
  route("DELETE", "/([^/]+)", [](const dead_letter_catalog& c, const http_request& r) {
    auto& s = store_of(c, r);
    return all_done(r, s, "deleted", s.purge(r.path_params.at(0)));
  });
}

}  // namespace ferry::service
