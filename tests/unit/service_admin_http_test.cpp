// The admin HTTP server's decisions without a socket: routing, the bearer token, the lockout
// (only failures count, the valid token is never refused), and the body rules applied before a
// body byte is read.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>

#include "ferry/service/admin_http_server.hpp"
#include "ferry/service/admission.hpp"
#include "ferry/service/auth_lockout.hpp"
#include "ferry/service/http_route.hpp"
#include "ferry/service/readiness.hpp"

using namespace ferry::service;
using namespace std::chrono_literals;

namespace {

const auto t0 = auth_lockout::clock::time_point{} + 1h;

http_router sample_routes() {
  http_router r;
  const auto ok = [](const http_request& req) {
    http_response res;
    res.body = req.path_params.empty() ? "ok" : req.path_params[0];
    return res;
  };
  r.add("GET", "/health", route_access::probe, 0, ok);
  r.add("GET", "/admin/dlq/stats", route_access::token, 0, ok);
  r.add("GET", R"(/admin/dlq/([^/]+))", route_access::token, 0, ok);
  r.add("POST", R"(/admin/dlq/([^/]+)/requeue-all)", route_access::token, 100, ok);
  r.add("POST", "/ingest", route_access::open, 1000, ok);
  return r;
}

struct fixture {
  http_router routes = sample_routes();
  auth_lockout lockout{{.failures = 5, .window = 60s}};
  admission_policy policy{.token = "tok", .listener = listener_kind::main, .probes_open = false};

  admission run(request_head head, auth_lockout::clock::time_point now = t0) {
    if (head.remote_addr.empty()) head.remote_addr = "10.0.0.1";
    return admit(routes, head, policy, lockout, now);
  }
};

request_head head(std::string_view method, std::string path, std::string_view auth = "") {
  request_head h;
  h.method = method;
  h.path = std::move(path);
  h.authorization = auth;
  return h;
}

int status_of(const admission& a) {
  return a.refusal ? a.refusal->status : 0;
}

}  // namespace

TEST_CASE("bearer_matches takes only 'Bearer <token>' with the exact token", "[admin_http]") {
  CHECK(bearer_matches("Bearer tok", "tok"));
  CHECK_FALSE(bearer_matches("Bearer to", "tok"));
  CHECK_FALSE(bearer_matches("Bearer tokk", "tok"));
  CHECK_FALSE(bearer_matches("Basic tok", "tok"));
  CHECK_FALSE(bearer_matches("bearer tok", "tok"));
  CHECK_FALSE(bearer_matches("Bearer ", ""));  // an empty token never matches
  CHECK_FALSE(bearer_matches("", "tok"));
}

TEST_CASE("the router matches in order, captures groups, maps HEAD to GET and knows 405",
          "[admin_http]") {
  const auto r = sample_routes();
  auto m = r.match("GET", "/admin/dlq/stats");
  REQUIRE(m.route);
  CHECK(m.params.empty());
  m = r.match("GET", "/admin/dlq/emails");
  REQUIRE(m.route);
  CHECK(m.params == std::vector<std::string>{"emails"});
  CHECK(r.match("HEAD", "/health").route);
  m = r.match("DELETE", "/admin/dlq/stats");
  CHECK_FALSE(m.route);
  CHECK(m.allowed == std::vector<std::string>{"GET"});
  m = r.match("GET", "/nothing");
  CHECK_FALSE(m.route);
  CHECK(m.allowed.empty());
}

TEST_CASE("routes: 404 and 405 before the token; the probe listener has probes only",
          "[admin_http]") {
  fixture f;
  CHECK(status_of(f.run(head("GET", "/nothing"))) == 404);
  const auto a = f.run(head("PUT", "/admin/dlq/stats"));
  REQUIRE(status_of(a) == 405);
  CHECK(a.refusal->headers.at(0) == std::pair<std::string, std::string>{"Allow", "GET"});
  f.policy.listener = listener_kind::probe;
  CHECK(f.run(head("GET", "/health")).route);
  CHECK(status_of(f.run(head("GET", "/admin/dlq/stats"))) == 404);
  CHECK(status_of(f.run(head("GET", "/admin/dlq/stats", "Bearer tok"))) == 404);
  CHECK(status_of(f.run(head("POST", "/ingest"))) == 404);
}

TEST_CASE("probes need the token on the main listener unless probes are open", "[admin_http]") {
  fixture f;
  CHECK(status_of(f.run(head("GET", "/health"))) == 401);
  CHECK(f.run(head("GET", "/health", "Bearer tok")).route);
  f.policy.probes_open = true;
  CHECK(f.run(head("GET", "/health")).route);
  CHECK(status_of(f.run(head("GET", "/admin/dlq/stats"))) == 401);
  CHECK(f.run(head("POST", "/ingest")).route);  // an open route
}

TEST_CASE("lockout: failures get 401 then 429; the valid token is always admitted",
          "[admin_http]") {
  fixture f;
  const request_head bad = head("GET", "/admin/dlq/stats", "Bearer x");
  request_head good = bad;
  good.authorization = "Bearer tok";
  for (int i = 0; i < 5; ++i) {
    const auto a = f.run(bad, t0 + std::chrono::seconds(i));
    CHECK(status_of(a) == 401);
    CHECK(a.auth_failed);
    CHECK_FALSE(a.locked_out);
  }
  const auto locked = f.run(bad, t0 + 5s);
  CHECK(status_of(locked) == 429);
  CHECK(locked.locked_out);
  // The oldest failure (t0) leaves the minute at t0 + 60 s.
  CHECK(locked.refusal->headers.at(0) == std::pair<std::string, std::string>{"Retry-After", "55"});
  CHECK(f.run(good, t0 + 6s).route);
  CHECK(f.run(good, t0 + 7s).route);
  // Another address is not affected.
  request_head other = bad;
  other.remote_addr = "10.0.0.2";
  CHECK(status_of(f.run(other, t0 + 8s)) == 401);
  // Once the failures age out, the address gets 401 again.
  CHECK(status_of(f.run(bad, t0 + 200s)) == 401);
}

TEST_CASE("auth_lockout keeps its memory bounded and refuses bad options", "[admin_http]") {
  auth_lockout l{{.failures = 1, .window = 60s, .max_addresses = 3}};
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(l.record_failure("a" + std::to_string(i), t0).locked);
  }
  CHECK_FALSE(l.record_failure("b", t0).locked);
  CHECK(l.record_failure("b", t0).locked);
  CHECK_THROWS_AS(auth_lockout({.failures = 0}), std::invalid_argument);
  CHECK_THROWS_AS(auth_lockout({.failures = 1, .window = 0s}), std::invalid_argument);
}

TEST_CASE("body rules: announced size, framing, encoding, multipart", "[admin_http]") {
  fixture f;
  request_head h = head("POST", "/admin/dlq/q/requeue-all", "Bearer tok");
  const auto with = [&](auto change) {
    request_head x = h;
    change(x);
    return status_of(f.run(x));
  };
  CHECK(with([](auto&) {}) == 0);
  CHECK(with([](auto& x) { x.content_length = "100"; }) == 0);
  CHECK(with([](auto& x) { x.content_length = "101"; }) == 413);
  CHECK(with([](auto& x) { x.content_length = "1073741824"; }) == 413);
  CHECK(with([](auto& x) { x.content_length = "99999999999999999999999"; }) == 400);
  CHECK(with([](auto& x) { x.content_length = "-1"; }) == 400);
  CHECK(with([](auto& x) { x.content_length = "1e3"; }) == 400);
  CHECK(with([](auto& x) { x.transfer_encoding = "chunked"; }) == 0);
  CHECK(with([](auto& x) { x.transfer_encoding = "gzip, chunked"; }) == 400);
  CHECK(with([](auto& x) {
          x.transfer_encoding = "chunked";
          x.content_length = "5";
        }) == 400);
  CHECK(with([](auto& x) { x.content_encoding = "gzip"; }) == 0);
  CHECK(with([](auto& x) { x.content_encoding = "deflate"; }) == 0);
  CHECK(with([](auto& x) { x.content_encoding = "br"; }) == 415);
  CHECK(with([](auto& x) { x.content_encoding = "GZIP"; }) == 415);
  CHECK(with([](auto& x) { x.content_type = "multipart/form-data; boundary=x"; }) == 415);
  // A route without a body: any announced body is refused, whatever the method.
  auto get = head("GET", "/admin/dlq/stats", "Bearer tok");
  get.content_length = "1";
  CHECK(status_of(f.run(get)) == 413);
  get.content_length.reset();
  get.transfer_encoding = "chunked";
  CHECK(status_of(f.run(get)) == 413);
  // The token comes first: a huge body without it is 401, not 413.
  h.authorization = "";
  CHECK(with([](auto& x) { x.content_length = "1073741824"; }) == 401);
}

TEST_CASE("listen addresses, loopback and probe exposure parse strictly", "[admin_http]") {
  CHECK(split_host_port("127.0.0.1:8090", "x") == std::pair<std::string, int>{"127.0.0.1", 8090});
  CHECK(split_host_port("[::1]:0", "x") == std::pair<std::string, int>{"::1", 0});
  CHECK_THROWS_AS(split_host_port("8090", "x"), std::invalid_argument);
  CHECK_THROWS_AS(split_host_port("h:65536", "x"), std::invalid_argument);
  CHECK_THROWS_AS(split_host_port("h:", "x"), std::invalid_argument);
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK_FALSE(is_loopback_host("0.0.0.0"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.example.com"));
  CHECK_FALSE(is_loopback_host("10.0.0.1"));
  CHECK(parse_probe_exposure("auto", "X") == probe_exposure::automatic);
  CHECK(parse_probe_exposure("open", "X") == probe_exposure::open);
  CHECK(parse_probe_exposure("token", "X") == probe_exposure::token);
  CHECK_THROWS_AS(parse_probe_exposure("maybe", "X"), std::invalid_argument);
}

TEST_CASE("readiness names the dependency that is down and skips unconfigured ones",
          "[admin_http]") {
  auto r = check_readiness({{"redis", [] {}}, {"database", {}}});
  CHECK(r.status == 200);
  CHECK(r.body.find("\"status\":\"ready\"") != std::string::npos);
  CHECK(r.body.find("\"database\":{\"status\":\"not_configured\"}") != std::string::npos);
  r = check_readiness(
      {{"redis", [] {}}, {"rabbitmq", [] { throw std::runtime_error("ACCESS_REFUSED"); }}});
  CHECK(r.status == 503);
  CHECK(r.body.find("\"rabbitmq\":{\"error\":\"ACCESS_REFUSED\",\"status\":\"down\"}") !=
        std::string::npos);
  CHECK(liveness().status == 200);
}
