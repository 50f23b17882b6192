// ferry-retry-worker's admin API over real HTTP (httplib::Client against the in-process server
// on a free port) and its `dlq` CLI (the real binary): auth and rate limiting, every endpoint,
// malformed input → 4xx JSON, Redis and RabbitMQ DLQ round trips, one API call and one command
// over all four dead-letter sources, cache clear of one namespace, /ready with a dead Redis,
// /metrics format.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/amqp/basic_get.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/dlq_store.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/celery/amqp/broker.hpp"
#include "ferry/celery/protocol/task_request.hpp"
#include "ferry/celery/redis/broker.hpp"
#include "ferry/queue/dlq_store.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/redis/client.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"
#include "retry-worker/admin_http.hpp"
#include "retry-worker/dead_letters.hpp"
#include "retry-worker/metrics.hpp"

using namespace std::chrono_literals;
namespace fq = ferry::queue;
namespace retry = ferry::apps::retry;
using json = nlohmann::json;

namespace {

const std::string token = "test-token-123";

ferry::redis::client& shared_client() {
  static ferry::redis::client c{ferry::test::shared_redis_url()};
  return c;
}

fq::queue_options one_attempt() {
  fq::queue_options o;
  o.retry.max_attempts = 1;
  o.worker_id = "test-worker";
  return o;
}

// A Redis queue with `n` dead letters; deleted at the end.
struct dead_queue {
  dead_queue(ferry::redis::client& c, int n) : q(c, ferry::test::unique_name("rw"), one_attempt()) {
    for (int i = 0; i < n; ++i) {
      q.enqueue("payload-" + std::to_string(i));
      auto j = q.try_reserve();
      REQUIRE(j);
      REQUIRE(q.fail(*j, "error " + std::to_string(i)).outcome == fq::fail_outcome::dead_lettered);
      ids.push_back(j->id);
      // The DLQ is ordered by failure time in server milliseconds; equal times would order by
      // id, so each failure gets its own millisecond and the listing order is known.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~dead_queue() {
    try {
      q.destroy();
    } catch (...) {
    }
  }
  fq::queue q;
  std::vector<std::string> ids;
};

// The Redis queues' dead letters, and with `amqp_queues` those queues' `<queue>.dlq`.
std::shared_ptr<ferry::dead_letter_catalog> dead_letters(
    ferry::redis::client& redis, std::optional<ferry::amqp::url> amqp = std::nullopt,
    std::vector<std::string> amqp_queues = {}) {
  auto c = std::make_shared<ferry::dead_letter_catalog>();
  c->add(std::make_shared<fq::dlq_store>(redis, fq::dlq_store_options{}));
  if (amqp) {
    c->add(std::make_shared<ferry::amqp::dlq_store>(
        ferry::amqp::dlq_store_options{.broker = *amqp, .queues = std::move(amqp_queues)}));
  }
  return c;
}

// The admin server on a free port with its dependencies.
struct admin_fixture {
  explicit admin_fixture(ferry::redis::client& redis,
                         std::shared_ptr<ferry::dead_letter_catalog> catalog = nullptr,
                         retry::health_targets health = {},
                         std::vector<std::string> namespaces = {"ns-unused:"}) {
    if (!catalog) catalog = dead_letters(redis);
    if (!health.redis) health.redis = &redis;
    retry::admin_options ao;
    ao.listen = "127.0.0.1:0";
    ao.token = token;
    ao.auth_failures_per_minute = 5;
    ao.cache_namespaces = std::move(namespaces);
    server = std::make_unique<retry::admin_server>(
        std::move(ao),
        retry::admin_deps{
            .dead_letters = catalog, .redis = &redis, .metrics = &metrics, .health = health});
    server->start();
    http = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    http->set_read_timeout(30, 0);
    http->set_default_headers({{"Authorization", "Bearer " + token}});
  }
  retry::worker_metrics metrics;
  std::unique_ptr<retry::admin_server> server;
  std::unique_ptr<httplib::Client> http;
};

// The HTTP status of an answer that must have come.
int status_of(const httplib::Result& r) {
  REQUIRE(r);
  return r->status;
}

// The body of an error answer must be JSON with a non-empty message.
std::string error_of(const httplib::Result& r) {
  REQUIRE(r);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  const auto j = json::parse(r->body);
  REQUIRE(j.contains("error"));
  const auto msg = j["error"].get<std::string>();
  CHECK_FALSE(msg.empty());
  return msg;
}

// Declares each of `names` as a durable classic queue.
void declare_queues(ferry::amqp::connection& conn, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    ferry::amqp::queue_spec spec;
    spec.name = name;
    ferry::amqp::declare_queue(conn, spec);
  }
}

// Three letters in `<work>.dlq` as ferry::amqp::consumer leaves them after the last attempt:
// "msg-0" and "msg-1" with message ids "mid-0" and "mid-1", "msg-2" without one.
void publish_consumer_dead_letters(const ferry::amqp::url& url, const std::string& work) {
  ferry::amqp::publisher pub{url};
  const ferry::amqp::timestamp when{std::chrono::sys_seconds{std::chrono::seconds{1700000000}}};
  for (int i = 0; i < 3; ++i) {
    ferry::amqp::message m;
    m.body = "msg-" + std::to_string(i);
    if (i < 2) m.props.message_id = "mid-" + std::to_string(i);
    m.props.headers.set("x-ferry-error", "failed " + std::to_string(i))
        .set("x-ferry-attempts", std::int64_t{3})
        .set("x-ferry-first-failure", when)
        .set("x-ferry-last-failure", when);
    pub.publish("", work + ".dlq", m);
  }
}

}  // namespace

TEST_CASE("every /admin endpoint needs the bearer token; failing requests then get 429",
          "[retry]") {
  admin_fixture f{shared_client()};
  httplib::Client anon{"127.0.0.1", f.server->port()};
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/admin/dlq/stats"},        {"GET", "/admin/dlq/q"},
      {"POST", "/admin/dlq/q/requeue/x"}, {"POST", "/admin/dlq/q/requeue-all"},
      {"DELETE", "/admin/dlq/q/x"},       {"GET", "/admin/cache/stats"},
      {"DELETE", "/admin/cache/clear"},
  };
  // 5 failures per minute are answered 401...
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& [method, path] = endpoints[i];
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (i % 2 == 1) req.set_header("Authorization", "Bearer wrong-token");
    auto r = anon.send(req);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->get_header_value("WWW-Authenticate").find("Bearer") == 0);
    CHECK_FALSE(error_of(r).empty());
  }
  // ...the next failing one is 429 with Retry-After...
  auto r = anon.Get("/admin/cache/stats");
  REQUIRE(r);
  CHECK(r->status == 429);
  const auto retry_after = std::stoi(r->get_header_value("Retry-After"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  CHECK(error_of(r).find("too many") != std::string::npos);
  // ...but the correct token from the same address is served, and the probes of a loopback
  // listener need no token at all.
  for (const char* path : {"/admin/dlq/stats", "/admin/cache/stats", "/health", "/metrics"}) {
    INFO(path);
    auto ok = f.http->Get(path);
    REQUIRE(ok);
    CHECK(ok->status == 200);
    auto probe = anon.Get(path);
    REQUIRE(probe);
    CHECK(probe->status == (std::string(path).rfind("/admin", 0) == 0 ? 429 : 200));
  }

  // Tokens are only ever taken as "Bearer <token>".
  admin_fixture g{shared_client()};
  httplib::Client anon_g{"127.0.0.1", g.server->port()};
  auto wrong_scheme =
      anon_g.Get("/admin/dlq/stats", httplib::Headers{{"Authorization", "Basic " + token}});
  REQUIRE(wrong_scheme);
  CHECK(wrong_scheme->status == 401);
}

TEST_CASE("Redis DLQ: stats, paging, requeue one, delete one, requeue all", "[retry][redis]") {
  dead_queue d{shared_client(), 3};
  const std::string q = d.q.name();
  admin_fixture f{shared_client()};

  auto r = f.http->Get("/admin/dlq/stats");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto stats = json::parse(r->body);
  bool found = false;
  for (const auto& e : stats["queues"]) {
    if (e["queue"] == q) {
      found = true;
      CHECK(e["source"] == "redis");
      CHECK(e["dead"] == 3);
      CHECK(e["ready"] == 0);
    }
  }
  CHECK(found);
  CHECK(stats["total_dead"].get<int>() >= 3);

  r = f.http->Get("/admin/dlq/" + q + "?offset=1&limit=1");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto page = json::parse(r->body);
  CHECK(page["queue"] == q);
  CHECK(page["source"] == "redis");
  CHECK(page["total"] == 3);
  CHECK(page["offset"] == 1);
  CHECK(page["limit"] == 1);
  REQUIRE(page["messages"].size() == 1);
  const auto& m = page["messages"][0];
  CHECK(m["id"] == d.ids[1]);  // newest first: ids[2], ids[1], ids[0]
  CHECK(m["payload"] == "payload-1");
  CHECK(m["error"] == "error 1");
  CHECK(m["attempts"] == 1);
  CHECK(m["max_attempts"] == 1);
  CHECK(m["details"]["worker"] == "test-worker");
  CHECK(std::regex_match(m["dead_at"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  r = f.http->Get("/admin/dlq/" + q);  // defaults: offset 0, limit 50
  REQUIRE(r);
  CHECK(json::parse(r->body)["messages"].size() == 3);

  // Requeue one: it is ready again with its attempts reset.
  r = f.http->Post("/admin/dlq/" + q + "/requeue/" + d.ids[0]);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["requeued"] == 1);
  CHECK(d.q.stats().ready == 1);
  CHECK(d.q.dead_count() == 2);
  auto j = d.q.try_reserve();
  REQUIRE(j);
  CHECK(j->id == d.ids[0]);
  CHECK(j->attempts == 1);
  CHECK(d.q.ack(*j));
  r = f.http->Post("/admin/dlq/" + q + "/requeue/" + d.ids[0]);  // not dead any more
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(error_of(r).find(d.ids[0]) != std::string::npos);

  // Delete one, then it is gone.
  r = f.http->Delete("/admin/dlq/" + q + "/" + d.ids[1]);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["deleted"] == 1);
  r = f.http->Delete("/admin/dlq/" + q + "/" + d.ids[1]);
  REQUIRE(r);
  CHECK(r->status == 404);

  // Requeue all: the last one.
  r = f.http->Post("/admin/dlq/" + q + "/requeue-all");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["requeued"] == 1);
  CHECK(d.q.dead_count() == 0);
  CHECK(d.q.stats().ready == 1);
}

TEST_CASE("malformed queue names, ids, offsets, limits and paths get 4xx with a message",
          "[retry][redis]") {
  dead_queue d{shared_client(), 1};
  const std::string q = d.q.name();
  admin_fixture f{shared_client()};
  struct bad {
    std::string method, path;
    int status;
    std::string says;
  };
  const std::vector<bad> cases = {
      {"GET", "/admin/dlq/" + q + "?offset=x", 400, "offset"},
      {"GET", "/admin/dlq/" + q + "?offset=-1", 400, "offset"},
      {"GET", "/admin/dlq/" + q + "?limit=0", 400, "limit"},
      {"GET", "/admin/dlq/" + q + "?limit=100000", 400, "limit"},
      {"GET", "/admin/dlq/" + q + "?limit=1e3", 400, "limit"},
      {"GET", "/admin/dlq/no-such-queue-" + q, 404, "no dead-letter queue"},
      {"GET", "/admin/dlq/" + q + "?source=amqp", 404, "no dead-letter queue"},
      {"GET", "/admin/dlq/bad%7Bname%7D", 400, "queue name"},
      {"GET", "/admin/dlq/" + std::string(201, 'a'), 400, "queue name"},
      {"POST", "/admin/dlq/" + q + "/requeue/not-hex", 400, "job id"},
      {"POST", "/admin/dlq/" + q + "/requeue/" + std::string(32, 'A'), 400, "job id"},
      {"POST", "/admin/dlq/" + q + "/requeue/" + std::string(32, 'a'), 404, "no dead letter"},
      {"DELETE", "/admin/dlq/" + q + "/xyz", 400, "job id"},
      {"DELETE", "/admin/dlq/" + q + "/" + std::string(32, 'b'), 404, "no dead letter"},
      {"POST", "/admin/dlq/bad%20name/requeue-all", 400, "queue name"},
      {"DELETE", "/admin/cache/clear", 400, "namespace"},
      {"DELETE", "/admin/cache/clear?namespace=*", 400, "unknown namespace"},
      {"GET", "/admin/nothing", 404, "no such endpoint"},
      {"GET", "/admin/dlq/" + q + "/requeue-all", 405, "method not allowed"},
      {"PUT", "/admin/dlq/stats", 405, "method not allowed"},
      {"PATCH", "/admin/nothing", 404, "no such endpoint"},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.path);
    httplib::Request req;
    req.method = c.method;
    req.path = c.path;
    req.set_header("Authorization", "Bearer " + token);
    auto r = f.http->send(req);
    REQUIRE(r);
    CHECK(r->status == c.status);
    CHECK(error_of(r).find(c.says) != std::string::npos);
  }
  CHECK(d.q.dead_count() == 1);  // nothing was touched
}

TEST_CASE("cache clear deletes one namespace only; cache stats shows Redis", "[retry][redis]") {
  auto& redis = shared_client();
  const std::string ns = ferry::test::unique_name("ns") + ":";
  const std::string other = ferry::test::unique_name("other") + ":";
  for (int i = 0; i < 120; ++i) (void)redis.command({"SET", ns + std::to_string(i), "v"});
  (void)redis.command({"SET", other + "1", "v"});
  (void)redis.command({"SET", ns.substr(0, ns.size() - 1) + "X", "v"});  // same start, no ':'
  admin_fixture f{redis, nullptr, {}, {ns, other}};

  auto r = f.http->Delete("/admin/cache/clear?namespace=" + ns);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto body = json::parse(r->body);
  CHECK(body["namespace"] == ns);
  CHECK(body["deleted"] == 120);
  CHECK(redis.command({"EXISTS", ns + "7"}).as_integer() == 0);
  CHECK(redis.command({"EXISTS", other + "1"}).as_integer() == 1);
  CHECK(redis.command({"EXISTS", ns.substr(0, ns.size() - 1) + "X"}).as_integer() == 1);
  (void)redis.command({"DEL", other + "1", ns.substr(0, ns.size() - 1) + "X"});

  r = f.http->Get("/admin/cache/stats");
  REQUIRE(r);
  CHECK(r->status == 200);
  body = json::parse(r->body);
  CHECK(body["redis"]["reachable"] == true);
  CHECK(body["namespaces"].size() == 2);
}

TEST_CASE("/ready reports Redis, RabbitMQ and the database; a dead Redis is 503", "[retry]") {
  ferry::test::redis_server own;
  ferry::redis::client redis{own.url()};
  ferry::test::temp_dir dir;
  retry::health_targets h;
  h.redis = &redis;
  h.db = ferry::sql::database_url::parse("sqlite://" + dir.path() + "/health.db");
  admin_fixture f{redis, nullptr, h};

  auto r = f.http->Get("/ready");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto body = json::parse(r->body);
  CHECK(body["status"] == "ready");
  CHECK(body["checks"]["redis"]["status"] == "ok");
  CHECK(body["checks"]["database"]["status"] == "ok");
  CHECK(body["checks"]["rabbitmq"]["status"] == "not_configured");

  own.kill();
  r = f.http->Get("/ready");
  REQUIRE(r);
  CHECK(r->status == 503);
  body = json::parse(r->body);
  CHECK(body["status"] == "not_ready");
  CHECK(body["checks"]["redis"]["status"] == "down");
  CHECK_FALSE(body["checks"]["redis"]["error"].get<std::string>().empty());
  CHECK(body["checks"]["database"]["status"] == "ok");
  // Liveness does not depend on Redis: restarting the worker would not bring Redis back.
  r = f.http->Get("/health");
  REQUIRE(r);
  CHECK(r->status == 200);

  // /metrics still answers and says the figures are missing.
  r = f.http->Get("/metrics");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("ferry_retry_stats_up 0\n") != std::string::npos);
}

TEST_CASE("/metrics is Prometheus text with DLQ depths and queue gauges", "[retry][redis]") {
  dead_queue d{shared_client(), 2};
  admin_fixture f{shared_client()};
  (void)f.http->Get("/admin/dlq/stats");
  auto r = f.http->Get("/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
  const std::string& text = r->body;
  CHECK(text.find("# TYPE ferry_dlq_depth gauge\n") != std::string::npos);
  CHECK(text.find("ferry_dlq_depth{queue=\"" + d.q.name() + "\",source=\"redis\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("ferry_queue_jobs{queue=\"" + d.q.name() + "\",state=\"dead\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("ferry_retry_admin_requests_total{code=\"2xx\"} ") != std::string::npos);
  CHECK(text.find("ferry_retry_stats_up 1\n") != std::string::npos);
  // Every line is a comment or `name{labels} value`.
  const std::regex sample(R"([a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+]+)");
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    INFO(line);
    CHECK(std::regex_match(line, sample));
    ++samples;
  }
  CHECK(samples > 10);
}

TEST_CASE("RabbitMQ DLQ: depth, peek keeps messages, requeue one and all, delete",
          "[retry][amqp]") {
  const auto url = ferry::amqp::url::parse(ferry::test::shared_amqp_url());
  const std::string work = ferry::test::unique_name("rw.amqp");
  ferry::amqp::connection conn{url};
  declare_queues(conn, {work, work + ".dlq"});
  publish_consumer_dead_letters(url, work);
  admin_fixture f{shared_client(), dead_letters(shared_client(), url, {work})};
  const auto depth = [&](const std::string& q) {
    return ferry::amqp::inspect_queue(conn, q).value().message_count;
  };

  auto r = f.http->Get("/admin/dlq/stats");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  bool found = false;
  const auto amqp_stats = json::parse(r->body);
  for (const auto& e : amqp_stats["queues"]) {
    if (e["queue"] == work) {
      found = true;
      CHECK(e["source"] == "amqp");
      CHECK(e["dead"] == 3);
      CHECK(e["exists"] == true);
    }
  }
  CHECK(found);

  r = f.http->Get("/admin/dlq/" + work + "?offset=0&limit=10");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto page = json::parse(r->body);
  CHECK(page["source"] == "amqp");
  CHECK(page["total"] == 3);
  REQUIRE(page["messages"].size() == 3);
  CHECK(page["messages"][0]["id"] == "mid-0");
  CHECK(page["messages"][0]["payload"] == "msg-0");
  CHECK(page["messages"][0]["error"] == "failed 0");
  CHECK(page["messages"][0]["attempts"] == 3);
  CHECK(page["messages"][0]["first_failure"] == "2023-11-14T22:13:20.000Z");
  const std::string hashed = page["messages"][2]["id"];  // no message_id: a stable hash
  CHECK(hashed.size() == 17);
  CHECK(hashed[0] == 'h');
  CHECK(depth(work + ".dlq") == 3);  // peek gave them back

  r = f.http->Get("/admin/dlq/" + work + "?offset=1&limit=1");
  REQUIRE(r);
  page = json::parse(r->body);
  REQUIRE(page["messages"].size() == 1);
  CHECK(page["messages"][0]["id"] == "mid-1");
  CHECK(page["messages"][0]["details"]["redelivered"] == "true");

  // Requeue one by id: in the work queue without its attempt count, out of the DLQ.
  CHECK(status_of(f.http->Post("/admin/dlq/" + work + "/requeue/mid-1")) == 200);
  CHECK(depth(work + ".dlq") == 2);
  CHECK(depth(work) == 1);
  auto moved = ferry::amqp::get(conn, work);
  REQUIRE(moved);
  CHECK(moved->msg.body == "msg-1");
  CHECK_FALSE(moved->msg.props.headers.contains("x-ferry-attempts"));
  CHECK(moved->msg.props.headers.get_string("x-ferry-error") == "failed 1");
  ferry::amqp::ack(conn, moved->delivery_tag);

  CHECK(status_of(f.http->Post("/admin/dlq/" + work + "/requeue/mid-9")) == 404);
  CHECK(status_of(f.http->Post("/admin/dlq/" + work + "/requeue/bad%20id")) == 400);
  CHECK(depth(work + ".dlq") == 2);  // the search gave the others back

  // Delete the hashed one, requeue the rest.
  CHECK(status_of(f.http->Delete("/admin/dlq/" + work + "/" + hashed)) == 200);
  CHECK(depth(work + ".dlq") == 1);
  r = f.http->Post("/admin/dlq/" + work + "/requeue-all");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["requeued"] == 1);
  CHECK(depth(work + ".dlq") == 0);
  CHECK(depth(work) == 1);

  (void)ferry::amqp::delete_queue(conn, work);
  (void)ferry::amqp::delete_queue(conn, work + ".dlq");
}

TEST_CASE("the dlq CLI lists, requeues and purges like the API", "[retry][redis][cli]") {
  dead_queue d{shared_client(), 3};
  const std::string q = d.q.name();
  const std::map<std::string, std::string> env{{"REDIS_URL", ferry::test::shared_redis_url()},
                                               {"RABBITMQ_URL", ""}};
  const std::string bin = FERRY_RETRY_WORKER_PATH;

  auto out = ferry::test::run_command({bin, "dlq", "list"}, env);
  CHECK(out.find(q) != std::string::npos);
  out = ferry::test::run_command({bin, "dlq", "list", q, "--limit", "2"}, env);
  CHECK(out.find(q + " (redis): 3 dead letter(s), showing 1-2") != std::string::npos);
  CHECK(out.find(d.ids[2]) != std::string::npos);
  CHECK(out.find("error=error 2") != std::string::npos);
  out = ferry::test::run_command({bin, "dlq", "list", q, "--json"}, env);
  CHECK(json::parse(out)["total"] == 3);

  out = ferry::test::run_command({bin, "dlq", "requeue", q, d.ids[0]}, env);
  CHECK(out.find("requeued " + d.ids[0]) != std::string::npos);
  CHECK(d.q.stats().ready == 1);
  out = ferry::test::run_command({bin, "dlq", "requeue", q, d.ids[0]}, env, false);
  CHECK(out.find("no dead letter") != std::string::npos);
  out = ferry::test::run_command({bin, "dlq", "requeue", q, "nothex"}, env, false);
  CHECK(out.find("job id must be 32 lowercase hex digits") != std::string::npos);
  out = ferry::test::run_command({bin, "dlq", "requeue", q}, env, false);
  CHECK(out.find("needs ID or --all") != std::string::npos);

  out = ferry::test::run_command({bin, "dlq", "purge", q, d.ids[1]}, env);
  CHECK(out.find("deleted " + d.ids[1]) != std::string::npos);
  out = ferry::test::run_command({bin, "dlq", "requeue", q, "--all"}, env);
  CHECK(out.find("requeued 1 dead letter(s)") != std::string::npos);
  CHECK(d.q.dead_count() == 0);
  d.q.enqueue("x");
  auto j = d.q.try_reserve();
  while (j && j->payload != "x") j = d.q.try_reserve();
  REQUIRE(j);
  REQUIRE(d.q.fail_permanently(*j, "bad").outcome == fq::fail_outcome::dead_lettered);
  out = ferry::test::run_command({bin, "dlq", "purge", q}, env);
  CHECK(out.find("deleted 1 dead letter(s)") != std::string::npos);
  CHECK(d.q.dead_count() == 0);
}

TEST_CASE("the binary serves: promotes a due retry and answers the API", "[retry][redis][cli]") {
  fq::queue q{shared_client(), ferry::test::unique_name("rw.serve"), one_attempt()};
  const int port = ferry::test::free_port();
  ferry::test::temp_dir dir;
  ferry::test::child_process worker({FERRY_RETRY_WORKER_PATH, "serve"},
                                    {.env = {{"REDIS_URL", ferry::test::shared_redis_url()},
                                             {"RABBITMQ_URL", ""},
                                             {"ADMIN_TOKEN", token},
                                             {"ADMIN_LISTEN", "127.0.0.1:" + std::to_string(port)},
                                             {"QUEUES", q.name()}},
                                     .log_file = dir.path() + "/worker.log"});
  REQUIRE(ferry::test::wait_until([&] { return ferry::test::port_open(port); }, 20s));
  q.enqueue("later", {.delay = 500ms});
  CHECK(ferry::test::wait_until([&] { return q.stats().ready == 1; }, 3s));

  httplib::Client http{"127.0.0.1", port};
  auto r =
      http.Get("/admin/dlq/" + q.name(), httplib::Headers{{"Authorization", "Bearer " + token}});
  REQUIRE(r);
  CHECK(r->status == 200);
  r = http.Get("/admin/dlq/stats");
  REQUIRE(r);
  CHECK(r->status == 401);
  worker.signal_group(SIGTERM);
  CHECK(worker.wait_for_exit(10s));
  q.destroy();
}

TEST_CASE("serve without ADMIN_TOKEN is a usage error", "[retry][cli]") {
  const auto out = ferry::test::run_command({FERRY_RETRY_WORKER_PATH, "serve"},
                                            {{"ADMIN_TOKEN", ""}, {"RABBITMQ_URL", ""}}, false);
  CHECK(out.find("ADMIN_TOKEN must be set") != std::string::npos);
}

namespace {

// A Celery task dead-lettered by `broker`'s own dead_letter(), as the Celery worker does after
// its last failure; returns the task id.
std::string celery_dead_letter(ferry::celery::broker& broker, const std::string& queue) {
  ferry::celery::protocol::task_request req;
  req.task = "tasks.fail";
  req.id = ferry::celery::protocol::new_task_id();
  req.args = json::array({1});
  broker.publish(ferry::celery::protocol::build_message(req), queue, 0);
  auto d = broker.fetch({queue}, 10s);
  REQUIRE(d);
  broker.dead_letter(*d, "ValueError('no')", ".dlq");
  broker.ack(d->delivery_tag);
  return req.id;
}

// What ferry::amqp::consumer publishes to `<work>.dlq` after a message's last attempt.
void amqp_dead_letter(const ferry::amqp::url& url, const std::string& work, const std::string& id) {
  ferry::amqp::publisher pub{url};
  ferry::amqp::message m;
  m.body = "body of " + id;
  m.props.message_id = id;
  m.props.headers.set("x-ferry-error", "failed").set("x-ferry-attempts", std::int64_t{3});
  pub.publish("", work + ".dlq", m);
}

// Two dead letters in each of the four sources, made by each transport's own code; the Celery
// queue has the same name on both brokers. Everything is deleted at the end.
struct four_sources {
  four_sources() {
    declare_queues(conn, {work, work + ".dlq"});
    amqp_dead_letter(amqp_url, work, "mid-a");
    amqp_dead_letter(amqp_url, work, "mid-b");
    // The brokers go before any requeue: the AMQP one would consume what comes back.
    ferry::celery::redis::broker on_redis{
        std::make_shared<ferry::redis::client>(ferry::test::shared_redis_url())};
    ferry::celery::amqp::broker on_rabbit{ferry::test::shared_amqp_url()};
    for (int i = 0; i < 2; ++i) {
      ids["celery-redis"].push_back(celery_dead_letter(on_redis, celery_q));
      ids["celery-amqp"].push_back(celery_dead_letter(on_rabbit, celery_q));
    }
    cfg.queues = {redis_q.q.name()};
    cfg.amqp_url = ferry::test::shared_amqp_url();
    cfg.amqp_queues = {work};
    cfg.celery_brokers = {ferry::test::shared_redis_url(), ferry::test::shared_amqp_url()};
    cfg.celery_queues = {celery_q};
  }
  ~four_sources() {
    try {
      (void)shared_client().command({"DEL", celery_q, celery_q + ".dlq"});
      for (const auto& q : {work, work + ".dlq", celery_q, celery_q + ".dlq"}) {
        (void)ferry::amqp::delete_queue(conn, q);
      }
    } catch (...) {
    }
  }
  std::uint32_t depth(const std::string& q) {
    return ferry::amqp::inspect_queue(conn, q).value().message_count;
  }
  // `ferry-retry-worker <args>` with this configuration, from the environment and flags.
  std::string command(const std::vector<std::string>& args, bool check = true) const {
    std::vector<std::string> argv{FERRY_RETRY_WORKER_PATH, "--celery-broker-url",
                                  ferry::test::shared_redis_url(), "--celery-broker-url",
                                  ferry::test::shared_amqp_url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return ferry::test::run_command(argv,
                                    {{"REDIS_URL", ferry::test::shared_redis_url()},
                                     {"RABBITMQ_URL", ferry::test::shared_amqp_url()},
                                     {"RABBITMQ_QUEUES", work},
                                     {"QUEUES", redis_q.q.name()},
                                     {"CELERY_QUEUES", celery_q}},
                                    check);
  }
  // The dead count of each source's queue in a stats document.
  std::map<std::string, std::int64_t> dead_counts(const json& stats) const {
    std::map<std::string, std::int64_t> dead;
    for (const auto& e : stats["queues"]) {
      if (e["queue"] == queue_of.at(e["source"].get<std::string>())) dead[e["source"]] = e["dead"];
    }
    return dead;
  }

  ferry::amqp::url amqp_url = ferry::amqp::url::parse(ferry::test::shared_amqp_url());
  ferry::amqp::connection conn{amqp_url};
  dead_queue redis_q{shared_client(), 2};
  std::string work = ferry::test::unique_name("rw.four");
  std::string celery_q = ferry::test::unique_name("rw.celery");
  std::map<std::string, std::vector<std::string>> ids{{"redis", redis_q.ids},
                                                      {"amqp", {"mid-a", "mid-b"}},
                                                      {"celery-redis", {}},
                                                      {"celery-amqp", {}}};
  std::map<std::string, std::string> queue_of{{"redis", redis_q.q.name()},
                                              {"amqp", work},
                                              {"celery-redis", celery_q},
                                              {"celery-amqp", celery_q}};
  retry::config cfg;
};

}  // namespace

TEST_CASE("one admin API lists, pages and requeues the dead letters of all four sources",
          "[retry][redis][amqp][celery]") {
  four_sources s;
  admin_fixture f{shared_client(), retry::open_dead_letters(s.cfg, shared_client())};

  auto r = f.http->Get("/admin/dlq/stats");  // one call lists them all
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(s.dead_counts(json::parse(r->body)) ==
        std::map<std::string, std::int64_t>{
            {"amqp", 2}, {"celery-amqp", 2}, {"celery-redis", 2}, {"redis", 2}});
  // The Celery queue is in two sources: without ?source= that is a 400 naming them.
  r = f.http->Get("/admin/dlq/" + s.celery_q);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(error_of(r).find("name the source") != std::string::npos);

  for (const auto& [source, q] : s.queue_of) {
    INFO(source);
    r = f.http->Get("/admin/dlq/" + q + "?source=" + source);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const auto page = json::parse(r->body);
    CHECK(page["total"] == 2);
    std::set<std::string> listed;
    for (const auto& m : page["messages"]) listed.insert(m["id"].get<std::string>());
    CHECK(listed == std::set<std::string>(s.ids[source].begin(), s.ids[source].end()));
    r = f.http->Post("/admin/dlq/" + q + "/requeue/" + s.ids[source][0] + "?source=" + source);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  // Each is back on its work queue.
  CHECK(s.redis_q.q.stats().ready == 1);
  CHECK(s.depth(s.work) == 1);
  CHECK(shared_client().command({"LLEN", s.celery_q}).as_integer() == 1);
  CHECK(s.depth(s.celery_q) == 1);
  r = f.http->Get("/admin/dlq/stats");
  REQUIRE(r);
  CHECK(s.dead_counts(json::parse(r->body)) ==
        std::map<std::string, std::int64_t>{
            {"amqp", 1}, {"celery-amqp", 1}, {"celery-redis", 1}, {"redis", 1}});
}

TEST_CASE("one dlq command lists and removes the dead letters of all four sources",
          "[retry][redis][amqp][celery][cli]") {
  four_sources s;
  auto out = s.command({"dlq", "list"});
  for (const auto& [source, q] : s.queue_of) {
    INFO(out);
    const auto name = std::regex_replace(q, std::regex(R"(\.)"), R"(\.)");
    CHECK(std::regex_search(out, std::regex(source + " +" + name + " +2\n")));
  }
  for (const auto& [source, q] : s.queue_of) {
    out = s.command({"dlq", "remove", q, s.ids[source][1], "--source", source});
    CHECK(out.find("deleted " + s.ids[source][1]) != std::string::npos);
  }
  CHECK(s.dead_counts(json::parse(s.command({"dlq", "list", "--json"}))) ==
        std::map<std::string, std::int64_t>{
            {"amqp", 1}, {"celery-amqp", 1}, {"celery-redis", 1}, {"redis", 1}});
  out =
      s.command({"dlq", "requeue", s.celery_q, s.ids["celery-amqp"][0], "--source", "celery-amqp"});
  CHECK(out.find("requeued " + s.ids["celery-amqp"][0]) != std::string::npos);
  CHECK(s.depth(s.celery_q) == 1);
  out = s.command({"dlq", "remove", s.celery_q, s.ids["celery-redis"][0]}, false);
  CHECK(out.find("name the source") != std::string::npos);
}
