// Celery over RabbitMQ against real Python Celery 5.2 (/usr/bin/python3; scripts in
// tests/integration/celery), with the Redis result backend. The RabbitMQ node is the CTest
// fixture's; each test case uses its own queues and its own redis-server.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "celery_test_util.hpp"
#include "ferry/amqp/basic_consumer.hpp"
#include "ferry/amqp/dlq_store.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/celery/amqp/message.hpp"
#include "ferry/celery/amqp/plugin.hpp"
#include "ferry/celery/client.hpp"
#include "ferry/celery/redis/plugin.hpp"
#include "ferry/celery/registry.hpp"
#include "ferry/core/error.hpp"
#include "ferry/redis/client.hpp"

namespace fc = ferry::celery;
using namespace std::chrono_literals;
using namespace ferry_celery_test;
using fc::json;

namespace {

constexpr std::uint8_t max_priority = 10;

// One test's world: a queue name, a private Redis backend, ferry's broker on the shared node.
struct world {
  ferry::test::redis_server redis;
  std::string amqp_url = ferry::test::shared_amqp_url();
  std::string queue = ferry::test::unique_name("cq");
  std::shared_ptr<fc::amqp::broker> broker;
  std::shared_ptr<fc::redis::backend> backend;

  explicit world(std::optional<std::uint8_t> priority = {}) {
    broker = std::make_shared<fc::amqp::broker>(
        amqp_url, fc::amqp::transport_options{.max_priority = priority});
    backend =
        std::make_shared<fc::redis::backend>(std::make_shared<ferry::redis::client>(redis.url()));
  }
  ~world() {
    try {
      broker->remove_queue(queue);
    } catch (...) {
    }
  }
  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    return py_env(amqp_url, redis.url(), queue, std::move(extra));
  }
};

// Reads up to `n` messages from `queue` (acking them), waiting up to `wait` in all.
std::vector<ferry::amqp::delivery> drain(const std::string& url, const std::string& queue,
                                         std::size_t n, std::chrono::milliseconds wait) {
  ferry::amqp::basic_consumer c(ferry::amqp::url::parse(url), {.queues = {queue}, .prefetch = 100});
  std::vector<ferry::amqp::delivery> out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline)
    if (auto d = c.next(200ms)) {
      c.ack(d->delivery_tag);
      out.push_back(std::move(*d));
    }
  c.flush();
  return out;
}

}  // namespace

TEST_CASE("RabbitMQ: ferry sends, a Python Celery worker runs", "[celery][amqp][python]") {
  world w{max_priority};
  python_worker py{w.env({{"FERRY_MAX_PRIORITY", std::to_string(max_priority)}})};
  fc::client app{w.broker, w.backend};
  ferry_sends_common_cases(app, w.queue);
  fc::send_options o{.queue = w.queue};

  // expires in the past: as with Celery's own client, `expiration: "0"` lets RabbitMQ drop it
  // (nothing stored: PENDING) unless the worker can take it at once (then REVOKED); never run.
  auto ox = o;
  ox.expires = std::chrono::system_clock::now() - 10s;
  auto rx = app.send_task("tasks.add", {1, 1}, {}, ox);
  try {
    (void)rx.get(3s);
    FAIL("expired task returned a value");
  } catch (const fc::task_failed& e) {
    CHECK(e.result().status == "REVOKED");
    REQUIRE(e.exception());
    CHECK(e.exception()->type == "TaskRevokedError");
  } catch (const ferry::error& e) {
    CHECK(e.code() == ferry::errc::timeout);
    CHECK(rx.state() == "PENDING");
  }

  CHECK(py.log().find("PRECONDITION_FAILED") == std::string::npos);
}

TEST_CASE("RabbitMQ: Python sends, a ferry worker runs", "[celery][amqp][python]") {
  world w;  // Celery's defaults: no x-max-priority
  ferry_worker fw{w.broker, w.backend, fc::worker_options{.queues = {w.queue}, .concurrency = 2}};
  const auto env = w.env({{"FERRY_EXPIRED_WAIT", "3"}});

  python_sends_common_cases(env);

  // expired: dropped by RabbitMQ (PENDING) or revoked by the worker (REVOKED), never run
  auto ex = python_send(env, {"expired"});
  CHECK((ex["state"] == "REVOKED" || ex["state"] == "PENDING"));
  if (ex["state"] == "REVOKED") CHECK(ex["exc"] == "TaskRevokedError");

  fc::client app{w.broker, w.backend};
  CHECK(app.send_task("tasks.add", {20, 22}, {}, {.queue = w.queue}).get(30s) == 42);
  CHECK(fw.log().find("broker error") == std::string::npos);
}

namespace {

// Publishes one message of each malformed kind to `queue`, each with a "case" header naming it,
// around a valid Celery task message; returns the names in the order sent.
std::vector<std::string> publish_malformed(const std::string& amqp_url, const std::string& queue) {
  ferry::amqp::publisher pub(ferry::amqp::url::parse(amqp_url));
  const auto good = [&] {
    fc::task_request r;
    r.task = "tasks.add";
    r.id = fc::protocol::new_task_id();
    r.args = {1, 2};
    return fc::amqp::to_amqp_message(fc::protocol::build_message(r));
  };
  std::vector<std::string> names;
  const auto send = [&](std::string name, ferry::amqp::message m) {
    m.props.headers.set("case", name);
    names.push_back(std::move(name));
    pub.publish("", queue, m);
  };
  {  // body is not JSON
    auto m = good();
    m.body = "{not json";
    send("bad_json", m);
  }
  {  // no task header (and the body is no protocol 1 task)
    auto m = good();
    m.props.headers.erase("task");
    send("no_task_header", m);
  }
  {  // wrong types: args is an object
    auto m = good();
    m.body = R"({"a": 1})";
    m.props.headers.erase("task");
    send("wrong_body_type", m);
    auto m2 = good();
    m2.props.headers.set("retries", "three");
    send("wrong_header_type", m2);
  }
  {  // huge body (over max_body_bytes)
    auto m = good();
    m.body = "[[\"" + std::string(200 * 1024, 'x') + "\"], {}, {}]";
    send("huge_body", m);
  }
  {  // protocol 1 without its task field
    auto m = good();
    m.props.headers = ferry::amqp::table{};
    m.body = R"({"id": "x", "args": [1, 2], "kwargs": {}})";
    send("protocol1_no_task", m);
  }
  {  // pickle: not accepted
    auto m = good();
    m.props.content_type = "application/x-python-serialize";
    m.body = "\x80\x04K\x01.";
    send("pickle", m);
  }
  {  // no content_type at all (kills a Celery 5.2.6 worker)
    auto m = good();
    m.props.content_type.reset();
    send("no_content_type", m);
  }
  return names;
}

}  // namespace

TEST_CASE("RabbitMQ: malformed messages go to <queue>.dlq with x-ferry-error; the worker runs on",
          "[celery][amqp]") {
  world w;
  fc::worker_options o{.queues = {w.queue}};
  o.parse.max_body_bytes = 64 * 1024;
  ferry_worker fw{w.broker, w.backend, o};
  fc::client app{w.broker, w.backend};
  w.broker->declare_queue(w.queue);
  std::vector<std::string> names = publish_malformed(w.amqp_url, w.queue);
  // unknown task: also FAILURE NotRegistered, like Celery
  auto unknown = app.send_task("tasks.does_not_exist", {1}, {}, {.queue = w.queue});
  names.emplace_back("unknown");
  {
    const auto e = expect_failure(unknown, 30s, "unknown task succeeded");
    REQUIRE(e.exception());
    CHECK(e.exception()->type == "NotRegistered");
  }
  // still alive, and it ran nothing malformed
  CHECK(app.send_task("tasks.add", {1, 2}, {}, {.queue = w.queue}).get(30s) == 3);

  // The letters through the dead-letter store (source celery-amqp): named by task id, with
  // failure times; requeue puts one back in the work queue, where the worker dead-letters the
  // unknown task again.
  ferry::amqp::dlq_store store{{.broker = ferry::amqp::url::parse(w.amqp_url),
                                .source = "celery-amqp",
                                .queues = {w.queue}}};
  REQUIRE(ferry::test::wait_until(
      [&] { return store.queues().at(0).count == static_cast<std::int64_t>(names.size()); }, 20s,
      20ms));
  const auto letter = store.find(w.queue, unknown.id());
  REQUIRE(letter);
  CHECK(letter->source == "celery-amqp");
  CHECK(letter->last_failure.has_value());
  CHECK_FALSE(letter->error.empty());
  CHECK(store.requeue(w.queue, unknown.id()));
  CHECK(ferry::test::wait_until([&] { return store.find(w.queue, unknown.id()).has_value(); }, 30s,
                                50ms));
  CHECK(store.trim(w.queue, std::chrono::hours(1)) == 0);  // all failed just now

  auto dead = drain(w.amqp_url, w.queue + ".dlq", names.size(), 20s);
  REQUIRE(dead.size() == names.size());
  std::set<std::string> seen;
  for (const auto& d : dead) {
    const auto& h = d.msg.props.headers;
    INFO(h.get_string("case").value_or("unknown")
         << ": " << h.get_string("x-ferry-error").value_or(""));
    CHECK(!h.get_string("x-ferry-error").value_or("").empty());
    CHECK(h.get_string("x-ferry-queue") == w.queue);
    CHECK(h.get_string("x-ferry-time"));
    CHECK(d.msg.props.persistent);
    seen.insert(h.get_string("case").value_or("unknown"));
  }
  CHECK(seen == std::set<std::string>(names.begin(), names.end()));
  // the original body is kept byte for byte
  for (const auto& d : dead)
    if (d.msg.props.headers.get_string("case") == "bad_json") CHECK(d.msg.body == "{not json");
  // nothing left behind in the work queue (everything was acked)
  CHECK(w.broker->size(w.queue) == 0);
}

TEST_CASE("RabbitMQ: the ferry worker holds eta tasks unacked and keeps running others",
          "[celery][amqp]") {
  world w;
  ferry_worker fw{w.broker, w.backend, fc::worker_options{.queues = {w.queue}, .prefetch = 1}};
  fc::client app{w.broker, w.backend};
  // More eta tasks than prefetch: each held one raises basic.qos, so later tasks still arrive
  // (the first raise moves the one-queue consumer's own count to the channel: see basic_consumer).
  std::vector<fc::async_result> later;
  for (int i = 0; i < 3; ++i)
    later.push_back(app.send_task("tasks.add", {i, 100}, {}, {.countdown = 3s, .queue = w.queue}));
  auto t0 = std::chrono::steady_clock::now();
  CHECK(app.send_task("tasks.add", {1, 1}, {}, {.queue = w.queue}).get(10s) == 2);
  CHECK(std::chrono::steady_clock::now() - t0 < 2500ms);
  for (std::size_t i = 0; i < later.size(); ++i)
    CHECK(later[i].get(30s) == static_cast<int>(i) + 100);
  CHECK(std::chrono::steady_clock::now() - t0 >= 2500ms);
}

TEST_CASE("RabbitMQ: with pipelined confirms every task sent is queued once wait_confirms returns",
          "[celery][amqp]") {
  const auto queue = ferry::test::unique_name("q");
  auto broker = std::make_shared<fc::amqp::broker>(
      ferry::test::shared_amqp_url(), fc::amqp::transport_options{.wait_for_confirm = false});
  ferry::test::redis_server r;
  fc::client app{broker, std::make_shared<fc::redis::backend>(
                             std::make_shared<ferry::redis::client>(r.url()))};
  constexpr int n = 600;  // more than the publisher's window of unconfirmed messages
  for (int i = 0; i < n; ++i)
    (void)app.send_task("tasks.add", {i, i}, {}, {.queue = queue, .ignore_result = true});
  broker->wait_confirms();
  CHECK(broker->size(queue) == n);
  broker->remove_queue(queue);
}

TEST_CASE("open_broker picks the transport by URL scheme", "[celery][amqp]") {
  fc::amqp::register_plugin();
  fc::redis::register_plugin();
  CHECK(fc::open_broker(ferry::test::shared_amqp_url())->transport() == "amqp");
  ferry::test::redis_server r;
  CHECK(fc::open_broker(r.url())->transport() == "redis");
  CHECK_THROWS_AS(fc::open_broker("kafka://x"), ferry::error);
  // The client's URL constructor opens through the same registry: RabbitMQ included.
  fc::client app{ferry::test::shared_amqp_url(), r.url()};
  CHECK(app.broker()->transport() == "amqp");
}
