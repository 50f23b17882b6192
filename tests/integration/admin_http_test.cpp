// Every app's HTTP server as a real process under hostile requests: 1 GiB bodies (with
// Content-Length, chunked, and gzip that inflates to 1 GiB) must be refused before they cost
// memory — the process's RSS and its peak grow by less than 10 MiB — and a neighbour guessing
// tokens must not lock out the valid token or the probes.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"
#include "http_stream_client.hpp"

using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr std::uint64_t gib = 1ULL << 30;
constexpr long max_growth_kib = 10 * 1024;
const std::string token = "admin-http-token-42";

struct app {
  app(std::vector<std::string> argv, std::map<std::string, std::string> env, std::vector<int> ports)
      : proc(std::move(argv), {.env = std::move(env), .log_file = dir.path() + "/app.log"}) {
    for (int p : ports) {
      REQUIRE(ferry::test::wait_until([&] { return ferry::test::port_open(p); }, 30s));
    }
  }
  ~app() { proc.terminate(5s); }
  ferry::test::temp_dir dir;
  ferry::test::child_process proc;
};

// Sends one request and checks the answer and what it cost the process. `raw`: `head` is sent
// as it is (no blank line before the body).
void expect_cheap(pid_t pid, int port, const std::string& what, const std::string& head,
                  http_stream::body_source body, int status, bool raw = false) {
  INFO(what);
  const long rss0 = http_stream::proc_kib(pid, "VmRSS");
  const long hwm0 = http_stream::proc_kib(pid, "VmHWM");
  const auto a = raw ? http_stream::send_raw(port, head, std::move(body))
                     : http_stream::send(port, head, std::move(body));
  const long rss1 = http_stream::proc_kib(pid, "VmRSS");
  const long hwm1 = http_stream::proc_kib(pid, "VmHWM");
  INFO("answer: " << a.raw.substr(0, 400));
  INFO("body bytes sent: " << a.sent << "; RSS " << rss0 << " -> " << rss1 << " KiB, peak " << hwm0
                           << " -> " << hwm1 << " KiB");
  CHECK(a.status == status);
  CHECK(rss1 - rss0 < max_growth_kib);
  CHECK(hwm1 - hwm0 < max_growth_kib);
}

std::string post(const std::string& path, const std::string& extra) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1" + extra;
}

const std::string one_gib = "\r\nContent-Length: " + std::to_string(gib);
const std::string chunked = "\r\nTransfer-Encoding: chunked";
const std::string bearer = "\r\nAuthorization: Bearer " + token;

// GET with `headers` (e.g. Authorization); returns status and body.
std::pair<int, std::string> get(int port, const std::string& path,
                                const std::string& headers = "") {
  const auto a = http_stream::send(port, "GET " + path + " HTTP/1.1\r\nHost: x" + headers, {}, 30s);
  const auto body_at = a.raw.find("\r\n\r\n");
  return {a.status, body_at == std::string::npos ? "" : a.raw.substr(body_at + 4)};
}

app retry_worker(int port, int probe_port, const std::string& listen_host = "127.0.0.1") {
  std::map<std::string, std::string> env{
      {"REDIS_URL", ferry::test::shared_redis_url()},
      {"RABBITMQ_URL", ""},
      {"QUEUES", "admin-http-test"},
      {"ADMIN_TOKEN", token},
      {"ADMIN_LISTEN", listen_host + ":" + std::to_string(port)}};
  std::vector<int> ports{port};
  if (probe_port > 0) {
    env["PROBE_LISTEN"] = "127.0.0.1:" + std::to_string(probe_port);
    ports.push_back(probe_port);
  }
  return app({FERRY_RETRY_WORKER_PATH, "serve"}, env, ports);
}

}  // namespace

TEST_CASE("ferry-retry-worker: 1 GiB bodies get 401 or 413 without growing the process",
          "[admin_http][retry]") {
  const int port = ferry::test::free_port();
  auto w = retry_worker(port, 0);
  const pid_t pid = w.proc.pid();
  const std::string route = "/admin/dlq/admin-http-test/requeue-all";

  expect_cheap(pid, port, "no token, Content-Length", post(route, one_gib),
               http_stream::filler(gib), 401);
  expect_cheap(pid, port, "no token, chunked", post(route, chunked),
               http_stream::chunked(http_stream::filler(gib)), 401);
  expect_cheap(pid, port, "token, Content-Length", post(route, bearer + one_gib),
               http_stream::filler(gib), 413);
  expect_cheap(pid, port, "token, chunked", post(route, bearer + chunked),
               http_stream::chunked(http_stream::filler(gib)), 413);
  expect_cheap(pid, port, "token, chunked gzip inflating to 1 GiB",
               post(route, bearer + chunked + "\r\nContent-Encoding: gzip"),
               http_stream::chunked(http_stream::pieces_of(http_stream::gzip_zeros(gib))), 413);
  expect_cheap(pid, port, "token, Expect: 100-continue",
               post(route, bearer + one_gib + "\r\nExpect: 100-continue"), http_stream::filler(gib),
               413);
  // A client that waits for "100 Continue" gets the final answer instead and never sends.
  expect_cheap(pid, port, "no token, Expect: 100-continue, body held back",
               post(route, one_gib + "\r\nExpect: 100-continue"), {}, 401);
  expect_cheap(pid, port, "a probe with a body", "GET /health HTTP/1.1\r\nHost: x" + one_gib,
               http_stream::filler(gib), 413);
  // The head itself: httplib would keep a line of any length, and any number of headers.
  expect_cheap(pid, port, "a 1 GiB request line", "GET /", http_stream::filler(gib), 431, true);
  expect_cheap(
      pid, port, "1 GiB of headers", "GET /health HTTP/1.1\r\n",
      [n = std::uint64_t{0}]() mutable {
        return ++n > gib / 24 ? std::string() : std::string("X-Pad: 12345678901234\r\n");
      },
      431, true);
  // Still serving.
  CHECK(get(port, "/health").first == 200);
}

// Sends `head` as it is, then `piece` every `period`, 100 times at most: each read the server
// makes is quick, the request never completes. Checks the server cuts it off with 408 well
// before the client would have finished.
void expect_cut_off(int port, const std::string& head, const std::string& piece,
                    std::chrono::milliseconds period) {
  const auto start = std::chrono::steady_clock::now();
  const auto a = http_stream::send_raw(
      port, head,
      [&, n = 0]() mutable {
        if (n++ > 0) std::this_thread::sleep_for(period);
        return n > 100 ? std::string() : piece;
      },
      60s);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(a.raw);
  CHECK(a.status == 408);
  CHECK(took < 30s);  // the worker's deadlines are 10 s; the client would go on for 50 s
}

TEST_CASE("ferry-retry-worker: a head or body trickling in is cut off at the deadline (408)",
          "[admin_http][retry]") {
  const int port = ferry::test::free_port();
  auto w = retry_worker(port, 0);
  expect_cut_off(port, "GET /health HTTP/1.1\r\n", "X", 500ms);
  expect_cut_off(port,
                 post("/admin/dlq/admin-http-test/requeue-all", bearer + chunked) + "\r\n\r\n",
                 "1\r\nX\r\n", 500ms);
  CHECK(get(port, "/health").first == 200);
}

TEST_CASE("ferry-retry-worker: a neighbour's bad tokens lock out neither the token nor probes",
          "[admin_http][retry]") {
  const int port = ferry::test::free_port();
  const int probe_port = ferry::test::free_port();
  // Not on loopback: probes on the main listener need the token; the probe listener not.
  auto w = retry_worker(port, probe_port, "0.0.0.0");

  for (int i = 0; i < 5; ++i) {
    CHECK(get(port, "/admin/dlq/stats", "\r\nAuthorization: Bearer wrong").first == 401);
  }
  CHECK(get(port, "/admin/dlq/stats", "\r\nAuthorization: Bearer wrong").first == 429);
  // The valid token from the same address is served, and so are the probes.
  CHECK(get(port, "/admin/dlq/stats", bearer).first == 200);
  CHECK(get(port, "/health", bearer).first == 200);
  for (const char* path : {"/health", "/ready", "/metrics"}) {
    INFO(path);
    CHECK(get(probe_port, path).first == 200);
    // Without the token they are refused on the main listener (still locked: 429).
    CHECK(get(port, path).first == 429);
  }
  CHECK(get(probe_port, "/admin/dlq/stats").first == 404);
}

TEST_CASE("ferry-retry-worker: probes are open on a loopback listener, /admin is not",
          "[admin_http][retry]") {
  const int port = ferry::test::free_port();
  auto w = retry_worker(port, 0);
  CHECK(get(port, "/health").first == 200);
  const auto [status, body] = get(port, "/ready");
  INFO(body);
  CHECK(status == 200);
  CHECK(json::parse(body)["checks"]["redis"]["status"] == "ok");
  CHECK(get(port, "/metrics").first == 200);
  CHECK(get(port, "/admin/dlq/stats").first == 401);
  CHECK(get(port, "/admin/dlq/stats", bearer).first == 200);
}

TEST_CASE("ferry-retry-worker: a wrong Redis password is not ready, named, never shown",
          "[admin_http][retry]") {
  ferry::test::redis_server redis{{.args = {"--requirepass", "right-secret-77"}}};
  const int port = ferry::test::free_port();
  const std::string wrong = "wrong-secret-88";
  app w({FERRY_RETRY_WORKER_PATH, "serve"},
        {{"REDIS_URL", "redis://:" + wrong + "@127.0.0.1:" + std::to_string(redis.port()) + "/0"},
         {"RABBITMQ_URL", ""},
         {"QUEUES", "admin-http-test"},
         {"ADMIN_TOKEN", token},
         {"ADMIN_LISTEN", "127.0.0.1:" + std::to_string(port)}},
        {port});
  CHECK(get(port, "/health").first == 200);  // alive: a restart would not fix a password
  const auto [status, body] = get(port, "/ready");
  INFO(body);
  CHECK(status == 503);
  const auto j = json::parse(body);
  CHECK(j["status"] == "not_ready");
  CHECK(j["checks"]["redis"]["status"] == "down");
  CHECK_FALSE(j["checks"]["redis"]["error"].get<std::string>().empty());
  CHECK(body.find(wrong) == std::string::npos);
  CHECK(body.find("right-secret-77") == std::string::npos);
}

TEST_CASE("ferry-policyd: 1 GiB bodies to /metrics are refused before they are read",
          "[admin_http][policy]") {
  const int port = ferry::test::free_port();
  const int policy_port = ferry::test::free_port();
  app p({FERRY_POLICYD_PATH, "--listen", "127.0.0.1:" + std::to_string(policy_port),
         "--admin-listen", "127.0.0.1:" + std::to_string(port)},
        {{"DB_URL", "memory:known@test.example"}, {"REDIS_URL", ""}}, {port, policy_port});
  const pid_t pid = p.proc.pid();
  // The probe listener knows GET routes only: anything else is 404 before the body is read.
  expect_cheap(pid, port, "POST /metrics, Content-Length", post("/metrics", one_gib),
               http_stream::filler(gib), 404);
  expect_cheap(pid, port, "POST /metrics, chunked", post("/metrics", chunked),
               http_stream::chunked(http_stream::filler(gib)), 404);
  expect_cheap(pid, port, "GET /metrics with a body", "GET /metrics HTTP/1.1\r\nHost: x" + one_gib,
               http_stream::filler(gib), 413);
  expect_cheap(pid, port, "GET /health, chunked body", "GET /health HTTP/1.1\r\nHost: x" + chunked,
               http_stream::chunked(http_stream::filler(gib)), 413);
  for (const char* path : {"/health", "/ready", "/metrics"}) {
    INFO(path);
    CHECK(get(port, path).first == 200);
  }
}

TEST_CASE("ferry-ingest serve: a message above the size limit is 413 however it is sent",
          "[admin_http][ingest]") {
  const int port = ferry::test::free_port();
  const int closed_port = ferry::test::free_port();  // nothing listens: RabbitMQ is down
  ferry::test::temp_dir data;
  app in({FERRY_INGEST_PATH, "serve", "--listen", "127.0.0.1:" + std::to_string(port)},
         {{"RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:" + std::to_string(closed_port) + "/"},
          {"DB_URL", "sqlite://" + data.path() + "/mail.db"},
          {"INGEST_MAX_MESSAGE_BYTES", "1048576"}},
         {port});
  const pid_t pid = in.proc.pid();
  const std::string route = "/ingest?sender=a@b.example&recipient=c@d.example";
  expect_cheap(pid, port, "Content-Length", post(route, one_gib), http_stream::filler(gib), 413);
  expect_cheap(pid, port, "chunked", post(route, chunked),
               http_stream::chunked(http_stream::filler(gib)), 413);
  const std::string bomb = http_stream::gzip_zeros(gib);
  expect_cheap(
      pid, port, "gzip inflating to 1 GiB",
      post(route, "\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(bomb.size())),
      http_stream::pieces_of(bomb), 413);

  CHECK(get(port, "/health").first == 200);
  const auto [status, body] = get(port, "/ready");
  INFO(body);
  CHECK(status == 503);
  const auto j = json::parse(body);
  CHECK(j["checks"]["rabbitmq"]["status"] == "down");
  CHECK(j["checks"]["database"]["status"] == "ok");
  CHECK(body.find("guest:guest") == std::string::npos);
}
