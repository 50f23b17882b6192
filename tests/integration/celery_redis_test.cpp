// Celery over Redis against real Python Celery 5.2 (workers and clients run with
// /usr/bin/python3; scripts in tests/integration/celery). Each test case gets its own
// redis-server, so kombu's shared `unacked` hash cannot leak between cases.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "celery_test_util.hpp"
#include "ferry/celery/client.hpp"
#include "ferry/celery/redis/broker.hpp"
#include "ferry/celery/redis/dlq_store.hpp"
#include "ferry/celery/redis/plugin.hpp"
#include "ferry/celery/worker.hpp"
#include "ferry/core/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"

namespace fc = ferry::celery;
using namespace std::chrono_literals;
using fc::json;

using ferry_celery_test::expect_failure;
using ferry_celery_test::slurp;

namespace {

std::map<std::string, std::string> py_env(const std::string& url, const std::string& queue,
                                          int visibility_timeout = 3600) {
  return ferry_celery_test::py_env(
      url, url, queue, {{"FERRY_VISIBILITY_TIMEOUT", std::to_string(visibility_timeout)}});
}

// A Python Celery worker on the Redis broker `url`.
class python_worker : public ferry_celery_test::python_worker {
 public:
  python_worker(const std::string& url, const std::string& queue, int visibility_timeout = 3600)
      : ferry_celery_test::python_worker(py_env(url, queue, visibility_timeout)) {}
};

json python_send(const std::string& url, const std::string& queue, std::vector<std::string> args) {
  return ferry_celery_test::python_send(py_env(url, queue), std::move(args));
}

// One test's Redis: its own server, a queue name, ferry's broker and backend on one client.
struct redis_world {
  ferry::test::redis_server srv;
  std::string url = srv.url();
  std::string queue = ferry::test::unique_name("q");
  std::shared_ptr<ferry::redis::client> c = std::make_shared<ferry::redis::client>(url);
  std::shared_ptr<fc::redis::broker> broker = std::make_shared<fc::redis::broker>(c);
  std::shared_ptr<fc::redis::backend> backend = std::make_shared<fc::redis::backend>(c);
};

// The URL constructor opens through open_broker()/open_backend(): the Redis plug-in serves them.
fc::client make_client(const std::string& url) {
  fc::redis::register_plugin();
  return fc::client{url, url};
}

// A ferry worker on the Redis broker `url`, with the test tasks registered.
class ferry_worker {
 public:
  ferry_worker(const std::string& url, fc::worker_options o) {
    auto c = std::make_shared<ferry::redis::client>(url);
    broker_ = std::make_shared<fc::redis::broker>(c);
    w_ = std::make_unique<ferry_celery_test::ferry_worker>(
        broker_, std::make_shared<fc::redis::backend>(c), std::move(o));
  }
  std::string log() { return w_->log(); }
  fc::redis::broker& broker() { return *broker_; }

 private:
  std::shared_ptr<fc::redis::broker> broker_;
  std::unique_ptr<ferry_celery_test::ferry_worker> w_;
};

}  // namespace

TEST_CASE("ferry sends, a Python Celery worker runs", "[celery][redis][python]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  python_worker py{url, queue};
  auto app = make_client(url);
  ferry_celery_test::ferry_sends_common_cases(app, queue);
  fc::send_options o{.queue = queue};

  // expires in the past: Celery stores REVOKED (TaskRevokedError "expired")
  auto ox = o;
  ox.expires = std::chrono::system_clock::now() - 10s;
  auto rx = app.send_task("tasks.add", {1, 1}, {}, ox);
  {
    const auto e = expect_failure(rx, 30s, "expired task returned a value");
    CHECK(e.result().status == "REVOKED");
    REQUIRE(e.exception());
    CHECK(e.exception()->type == "TaskRevokedError");
    CHECK(e.exception()->message == json::array({"expired"}));
  }

  // a task nobody runs: get() times out with errc::timeout
  auto unknown_q = o;
  unknown_q.queue = queue + ".nobody";
  auto rt = app.send_task("tasks.add", {1, 2}, {}, unknown_q);
  try {
    (void)rt.get(300ms);
    FAIL("no timeout");
  } catch (const ferry::error& e) {
    CHECK(e.code() == ferry::errc::timeout);
  }
  CHECK(rt.state() == "PENDING");
}

TEST_CASE("Python sends, a ferry worker runs", "[celery][redis][python]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  ferry_worker fw{url, fc::worker_options{.queues = {queue}, .concurrency = 2}};

  ferry_celery_test::python_sends_common_cases(py_env(url, queue));

  auto ex = python_send(url, queue, {"expired"});
  CHECK(ex["state"] == "REVOKED");
  CHECK(ex["exc"] == "TaskRevokedError");

  // ferry's own client against ferry's worker
  auto app = make_client(url);
  CHECK(app.send_task("tasks.add", {20, 22}, {}, {.queue = queue}).get(30s) == 42);
}

TEST_CASE("expires 9999-12-31 never expires and eta 9999-12-31 is held, not run",
          "[celery][redis]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  ferry_worker fw{url, fc::worker_options{.queues = {queue}}};
  auto app = make_client(url);
  // Python code writes year 9999 for "never"; it used to wrap to 1816 (UBSan: overflow).
  const auto send = [&](const char* field) {
    const fc::task_request r{
        .task = "tasks.add", .id = fc::protocol::new_task_id(), .args = {2, 3}};
    auto m = fc::protocol::build_message(r);
    m.headers[field] = "9999-12-31T23:59:59+00:00";
    fw.broker().push_raw(queue, fc::protocol::to_kombu_redis_json(m, "", queue));
    return app.result(r.id);
  };
  auto held = send("eta");
  CHECK(send("expires").get(30s) == 5);  // run, not REVOKED as expired
  CHECK(held.state() == "PENDING");      // the later task ran first: this one is held
}

namespace {

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The malformed test's three letters (bad JSON, no task header, the unknown task
// `unknown_id`) through the dead-letter store, while the worker runs.
void check_dead_letter_store(ferry_worker& fw, const std::shared_ptr<ferry::redis::client>& redis,
                             const std::string& queue, const std::string& unknown_id) {
  // The same letters through the dead-letter store: ids, requeue into the work queue (the
  // worker dead-letters the unknown task again), remove, trim by age, purge.
  fc::redis::dlq_store store{redis, {.queues = {queue}}};
  REQUIRE(store.queues().at(0).count == 3);
  const auto letters = store.page(queue, 0, 10);
  REQUIRE(letters.size() == 3);
  std::string bad_json_id;
  for (const auto& d : letters) {
    CHECK(d.source == "celery-redis");
    CHECK(d.dead_at.has_value());
    CHECK_FALSE(d.error.empty());
    if (d.payload == "{not json") bad_json_id = d.id;
  }
  CHECK(bad_json_id.size() == 17);  // "h" + 16 hex digits: no task id to name it by
  const auto unknown_letter = store.find(queue, unknown_id);
  REQUIRE(unknown_letter);
  CHECK(unknown_letter->payload.find("tasks.does_not_exist") != std::string::npos);
  // Requeued, the running worker takes it again (its log says so once more) and dead-letters it
  // again; it may do so before the store is asked, so the letter's absence is not checked.
  const auto unregistered = [&] { return occurrences(fw.log(), "unregistered task"); };
  const auto seen = unregistered();
  CHECK(store.requeue(queue, unknown_id));
  CHECK(ferry::test::wait_until([&] { return unregistered() > seen; }, 30s, 20ms));
  CHECK(ferry::test::wait_until([&] { return store.find(queue, unknown_id).has_value(); }, 30s,
                                20ms));
  CHECK(store.remove(queue, bad_json_id));
  CHECK_FALSE(store.remove(queue, bad_json_id));
  CHECK(store.trim(queue, 1h) == 0);
  CHECK(store.trim(queue, 0s) == 2);
  CHECK(store.purge(queue) == 0);
}

}  // namespace

TEST_CASE("malformed envelopes go to the dead-letter list; the worker keeps running",
          "[celery][redis]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  ferry_worker fw{url, fc::worker_options{.queues = {queue}}};
  auto app = make_client(url);
  auto redis = std::make_shared<ferry::redis::client>(url);

  // bad JSON
  fw.broker().push_raw(queue, "{not json");
  // valid envelope, no task header
  fc::task_message m;
  m.headers = json{{"id", fc::protocol::new_task_id()}};
  m.body = R"([[], {}, {}])";
  fw.broker().push_raw(queue, fc::protocol::to_kombu_redis_json(m, "", queue));
  // unknown task: also FAILURE NotRegistered, like Celery
  auto unknown = app.send_task("tasks.does_not_exist", {1}, {}, {.queue = queue});
  {
    const auto e = expect_failure(unknown, 30s, "unknown task succeeded");
    REQUIRE(e.exception());
    CHECK(e.exception()->type == "NotRegistered");
    CHECK(e.exception()->message == json::array({"tasks.does_not_exist"}));
  }
  // still alive
  CHECK(app.send_task("tasks.add", {1, 2}, {}, {.queue = queue}).get(30s) == 3);

  auto dlq = redis->command({"LRANGE", queue + ".dlq", "0", "-1"});
  REQUIRE(dlq.elements().size() == 3);
  std::string all;
  for (const auto& e : dlq.elements()) {
    auto j = json::parse(e.as_string());
    CHECK(j["queue"] == queue);
    CHECK(!j["error"].get<std::string>().empty());
    all += j["envelope"].get<std::string>() + "\n" + j["error"].get<std::string>() + "\n";
  }
  CHECK(all.find("{not json") != std::string::npos);
  CHECK(all.find("tasks.does_not_exist") != std::string::npos);
  auto log = fw.log();
  CHECK(log.find("unregistered task") != std::string::npos);
  CHECK(log.find("undecodable") != std::string::npos);
  // nothing stays unacked (early acks ride along with the worker's next fetch: soon, not at once)
  CHECK(ferry::test::wait_until(
      [&] {
        return redis->command({"HLEN", "unacked"}).as_integer() == 0;
      },
      5s, 10ms));

  check_dead_letter_store(fw, redis, queue, unknown.id());
}

namespace {
// The ferry-celery-worker app as a separate process (so it can be SIGKILLed).
class ferry_worker_process : public ferry_celery_test::worker_process {
 public:
  ferry_worker_process(const std::string& url, const std::string& queue,
                       const std::string& db_url = "")
      : worker_process(
            {FERRY_CELERY_WORKER_BIN, "-Q", queue, "--acks-late", "--visibility-timeout", "5",
             "--restore-interval", "1", "--test-tasks"},
            {{"CELERY_BROKER_URL", url}, {"CELERY_RESULT_BACKEND", url}, {"DATABASE_URL", db_url}},
            " ready", 30s) {}
};

// False (with a warning) when ferry-celery-worker was not built (FERRY_BUILD_APPS=OFF).
bool worker_app_built() {
  if (!std::string(FERRY_CELERY_WORKER_BIN).empty()) return true;
  WARN("ferry-celery-worker not built (FERRY_BUILD_APPS=OFF): skipped");
  return false;
}

// The app-process tests' world: a Redis of their own, a queue, ferry's client, a connection.
struct app_world {
  ferry::test::redis_server srv;
  std::string url = srv.url();
  std::string queue = ferry::test::unique_name("q");
  fc::client app = make_client(url);
  std::shared_ptr<ferry::redis::client> redis = std::make_shared<ferry::redis::client>(url);
};
}  // namespace

TEST_CASE("a task that reaches an idle ferry worker as it dies is not lost",
          "[celery][redis][app][kill]") {
  if (!worker_app_built()) return;
  app_world world;
  auto& [srv, url, queue, app, redis] = world;
  auto integer = [&](std::initializer_list<std::string_view> cmd) {
    return world.redis->command(cmd).as_integer();
  };
  std::optional<fc::async_result> r;
  {
    ferry_worker_process fw{url, queue};
    // Idle: the worker blocks in Redis waiting for the empty queue.
    REQUIRE(ferry::test::wait_until(
        [&] {
          return world.redis->command({"CLIENT", "LIST"}).as_string().find(" flags=b ") !=
                 std::string::npos;
        },
        10s));
    // Frozen, the worker cannot take a step after Redis answers its wait: whatever that answer
    // removed from the queue exists only in the worker's memory when it is killed.
    fw.signal(SIGSTOP);
    r = app.send_task("tasks.add", {2, 3}, {}, {.queue = queue});
    std::this_thread::sleep_for(300ms);
    fw.kill();
    CHECK(integer({"LLEN", queue}) + integer({"HLEN", "unacked"}) == 1);
  }
  ferry_worker_process again{url, queue};
  CHECK(r->get(30s) == 5);
}

TEST_CASE("a Python worker and a ferry worker share a queue; SIGKILLed tasks are restored",
          "[celery][redis][python][kill]") {
  if (!worker_app_built()) return;
  app_world world;
  auto& [srv, url, queue, app, redis] = world;
  auto unacked = [&] { return world.redis->command({"HLEN", "unacked"}).as_integer(); };

  // 1. ferry takes the task (acks_late), is killed mid-task; Python restores it after the
  //    visibility timeout (5 s on both sides) and runs it.
  {
    auto fw = std::make_unique<ferry_worker_process>(url, queue);
    auto r = app.send_task("tasks.sleep_record", {"k1", 3}, {}, {.queue = queue});
    REQUIRE(ferry::test::wait_until([&] { return unacked() == 1; }, 10s));
    std::this_thread::sleep_for(300ms);
    fw->kill();
    CHECK(unacked() == 1);
    CHECK(r.state() == "PENDING");
    std::this_thread::sleep_for(5500ms);  // past the visibility timeout
    python_worker py{url, queue, 5};      // restores at start-up
    auto v = r.get(60s);
    CHECK(v["ran_by"] == "python");
    CHECK(v["key"] == "k1");
    CHECK(ferry::test::wait_until([&] { return unacked() == 0; }, 10s));

    // 2. both consume together: nothing lost, each task runs
    auto ferry_again = std::make_unique<ferry_worker_process>(url, queue);
    std::vector<fc::async_result> rs;
    for (int i = 0; i < 6; ++i)
      rs.push_back(app.send_task("tasks.sleep_record", {"s" + std::to_string(i), 0.2}, {},
                                 {.queue = queue}));
    for (std::size_t i = 0; i < rs.size(); ++i)
      CHECK(rs[i].get(60s)["key"] == "s" + std::to_string(i));
    ferry_again.reset();

    // 3. Python takes a task and is killed mid-task; a ferry worker restores and runs it.
    auto r3 = app.send_task("tasks.sleep_record", {"k3", 3}, {}, {.queue = queue});
    REQUIRE(ferry::test::wait_until([&] { return unacked() == 1; }, 10s));
    std::this_thread::sleep_for(300ms);
    py.kill();
    CHECK(r3.state() == "PENDING");
    ferry_worker_process fw2{url, queue};
    auto v3 = r3.get(60s);
    CHECK(v3["ran_by"] == "ferry");
    CHECK(v3["key"] == "k3");
    CHECK(fw2.log().find("restored 1") != std::string::npos);
    CHECK(ferry::test::wait_until([&] { return unacked() == 0; }, 10s));
  }
}

TEST_CASE("ferry worker: time limits, errbacks, ignore_result, STARTED, eta does not block",
          "[celery][redis]") {
  redis_world rw;
  auto& [srv, url, queue, c, broker, backend] = rw;
  std::atomic<int> hard_limits{0};
  fc::worker_options o{.queues = {queue}, .concurrency = 2, .track_started = true};
  o.on_hard_time_limit = [&] { ++hard_limits; };
  o.restore_interval = 1h;
  fc::worker w{broker, backend, o};
  w.register_task("tasks.add", [](const json& a, const json&, fc::task_context&) {
    return json(a.at(0).get<long long>() + a.at(1).get<long long>());
  });
  w.register_task("tasks.soft", [](const json&, const json&, fc::task_context& ctx) -> json {
    for (;;) {
      ctx.check_soft_time_limit();
      std::this_thread::sleep_for(20ms);
    }
  });
  w.register_task("tasks.stuck", [](const json&, const json&, fc::task_context&) -> json {
    std::this_thread::sleep_for(2500ms);
    return "too late";
  });
  w.register_task("tasks.throw", [](const json&, const json&, fc::task_context&) -> json {
    throw std::invalid_argument("nope");
  });
  w.register_task("tasks.errback", [](const json& a, const json&, fc::task_context&) -> json {
    return json{{"failed", a.at(0)}};
  });
  std::thread t([&] { w.run(); });
  fc::client app{broker, backend};

  // soft limit: the handler's check throws → FAILURE SoftTimeLimitExceeded
  auto rs = app.send_task("tasks.soft", {}, {},
                          {.queue = queue, .soft_time_limit = std::chrono::duration<double>(0.3)});
  {
    const auto e = expect_failure(rs, 10s, "soft limit did not fire");
    CHECK(e.exception()->type == "SoftTimeLimitExceeded");
    CHECK(e.exception()->module == "celery.exceptions");
  }

  // hard limit: FAILURE TimeLimitExceeded is stored, the callback (default: exit) is called,
  // and the late return does not overwrite it
  auto rh = app.send_task("tasks.stuck", {}, {},
                          {.queue = queue, .time_limit = std::chrono::duration<double>(0.5)});
  CHECK(expect_failure(rh, 10s, "hard limit did not fire").exception()->type ==
        "TimeLimitExceeded");
  std::this_thread::sleep_for(2500ms);  // the handler returns late: no overwrite
  CHECK(hard_limits.load() == 1);
  CHECK(rh.state() == "FAILURE");

  // errback: published with the failed id prepended
  auto eb_id = fc::protocol::new_task_id();
  auto rf = app.send_task(
      "tasks.throw", {}, {},
      {.queue = queue,
       .link_error = {fc::signature{.task = "tasks.errback",
                                    .options = {{"queue", queue}, {"task_id", eb_id}}}}});
  {
    const auto e = expect_failure(rf, 10s, "no failure");
    CHECK(e.exception()->type == "std::invalid_argument");
    CHECK(e.exception()->message == json::array({"nope"}));
    CHECK(e.exception()->module == "ferry");
  }
  CHECK(app.result(eb_id).get(10s) == json{{"failed", rf.id()}});

  // an eta task far ahead does not block others
  auto later = app.send_task("tasks.add", {1, 1}, {}, {.countdown = 3s, .queue = queue});
  auto t0 = std::chrono::steady_clock::now();
  CHECK(app.send_task("tasks.add", {2, 2}, {}, {.queue = queue}).get(10s) == 4);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK(later.state() == "PENDING");
  CHECK(later.get(10s) == 2);

  // ignore_result: nothing stored (the STARTED write is skipped too)
  auto ri = app.send_task("tasks.add", {3, 3}, {}, {.queue = queue, .ignore_result = true});
  CHECK(app.send_task("tasks.add", {0, 0}, {}, {.queue = queue}).get(10s) == 0);
  std::this_thread::sleep_for(200ms);
  CHECK(ri.state() == "PENDING");

  w.stop();
  t.join();
}

TEST_CASE("ferry-celery-worker runs the email tasks", "[celery][redis][app]") {
  if (std::string(FERRY_CELERY_WORKER_BIN).empty()) {
    WARN("ferry-celery-worker not built (FERRY_BUILD_APPS=OFF): skipped");
    return;
  }
  ferry::test::redis_server srv;
  ferry::test::temp_dir db_dir("ferry-celery-db");
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  ferry_worker_process fw{url, queue, "sqlite://" + db_dir.path() + "/mail.db"};
  auto app = make_client(url);

  const std::string raw =
      "From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: =?UTF-8?Q?h=C3=A9llo?=\r\n"
      "Message-ID: <m1@example.org>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/html; charset=utf-8\r\n\r\n"
      "<p onclick=\"x()\">Hi<script>alert(1)</script></p>\r\n";
  auto v = app.send_task("tasks.parse_message", {raw}, {}, {.queue = queue}).get(30s);
  CHECK(v["subject"] == "h\u00e9llo");
  CHECK(v["message_id"] == "m1@example.org");
  CHECK(v["from"]["address"] == "ann@example.org");
  CHECK(v["to"][0]["address"] == "bob@example.org");
  auto html = v["html_body"].get<std::string>();
  CHECK(html.find("Hi") != std::string::npos);
  CHECK(html.find("script") == std::string::npos);
  CHECK(html.find("onclick") == std::string::npos);

  auto c = app.send_task("tasks.cleanup_old_messages", {30}, {}, {.queue = queue}).get(30s);
  CHECK(c["deleted"] == 0);

  // a non-string raw email is a FAILURE, not a crash
  {
    auto r = app.send_task("tasks.parse_message", {42}, {}, {.queue = queue});
    CHECK(expect_failure(r, 30s, "no failure").exception()->type == "std::invalid_argument");
  }
}

TEST_CASE("ferry-celery-worker exits non-zero when the broker refuses its password",
          "[celery][redis][app]") {
  if (std::string(FERRY_CELERY_WORKER_BIN).empty()) {
    WARN("ferry-celery-worker not built (FERRY_BUILD_APPS=OFF): skipped");
    return;
  }
  ferry::test::redis_server srv({.args = {"--requirepass", "right-password"}});
  ferry::test::temp_dir dir("ferry-celery-auth");
  const auto url = "redis://:wrong-password@127.0.0.1:" + std::to_string(srv.port()) + "/0";
  ferry::test::spawn_options so;
  so.env = {{"CELERY_BROKER_URL", url}, {"CELERY_RESULT_BACKEND", url}};
  so.log_file = dir.path() + "/worker.log";
  ferry::test::child_process w({FERRY_CELERY_WORKER_BIN, "-Q", ferry::test::unique_name("q")}, so);
  REQUIRE(w.wait_for_exit(30s));
  INFO(slurp(so.log_file));
  REQUIRE(w.exit_code());
  // docs/celery.md: transient 75, other 1; never 0, which tells a supervisor all is well.
  CHECK(*w.exit_code() == 1);
}

TEST_CASE("ferry worker consumes kombu's priority lists in order (0 first) and FIFO within",
          "[celery][redis]") {
  redis_world rw;
  auto& [srv, url, queue, c, broker, backend] = rw;
  fc::client app{broker, backend};
  // published before any worker runs (as kombu's own capture: 9,0,5,7,0,2 → 0,0,2,5,7,9)
  std::vector<fc::async_result> rs;
  for (int p : {9, 0, 5, 7, 0, 2})
    rs.push_back(app.send_task("tasks.rec", {p, static_cast<int>(rs.size())}, {},
                               {.priority = p, .queue = queue}));
  CHECK(c->command({"SISMEMBER", "_kombu.binding." + queue,
                    fc::protocol::kombu_redis_binding_member(queue, "", queue)})
            .as_integer() == 1);
  CHECK(broker->size(queue) == 6);

  std::mutex mu;
  std::vector<json> order;
  fc::worker w{broker, backend, {.queues = {queue}, .concurrency = 1, .prefetch = 1}};
  w.register_task("tasks.rec", [&](const json& a, const json&, fc::task_context&) {
    std::lock_guard lk(mu);
    order.push_back(a);
    return json(nullptr);
  });
  std::thread t([&] { w.run(); });
  for (auto& r : rs) (void)r.get(30s);
  w.stop();
  t.join();
  REQUIRE(order.size() == 6);
  // priority 0-2 share the base list (FIFO: 0 sent 2nd, 0 sent 5th, 2 sent 6th), then 5, 7, 9
  CHECK(order == std::vector<json>{{0, 1}, {0, 4}, {2, 5}, {5, 2}, {7, 3}, {9, 0}});
}

TEST_CASE(
    "prefetch counts tasks as Celery does: an early-acked running task lets the next be "
    "fetched, a late-acked one keeps it in the queue",
    "[celery][redis]") {
  const bool late = GENERATE(false, true);
  CAPTURE(late);
  redis_world rw;
  // Named references, not a structured binding: the lambdas below capture them, which clang
  // before 16 refuses for structured bindings.
  const auto& queue = rw.queue;
  const auto& broker = rw.broker;
  const auto& backend = rw.backend;
  fc::client app{broker, backend};
  std::atomic<bool> started{false}, release{false};
  fc::worker w{
      broker, backend, {.queues = {queue}, .concurrency = 1, .prefetch = 1, .acks_late = late}};
  w.register_task("tasks.hold", [&](const json&, const json&, fc::task_context&) {
    started = true;
    (void)ferry::test::wait_until([&] { return release.load(); }, 30s);
    return json("held");
  });
  w.register_task("tasks.rec", [](const json& a, const json&, fc::task_context&) { return a; });
  auto held = app.send_task("tasks.hold", {}, {}, {.queue = queue});
  auto next = app.send_task("tasks.rec", {7}, {}, {.queue = queue});
  std::thread t([&] { w.run(); });
  REQUIRE(ferry::test::wait_until([&] { return started.load(); }, 30s));
  if (late) {
    std::this_thread::sleep_for(300ms);  // time enough to fetch, were there room
    CHECK(broker->size(queue) == 1);
  } else {
    CHECK(ferry::test::wait_until([&] { return broker->size(queue) == 0; }, 10s));
  }
  release = true;
  CHECK(held.get(30s) == "held");
  CHECK(next.get(30s) == json::array({7}));
  w.stop();
  t.join();
}

// The args of every message in `queue`, in the order a worker takes them (popped).
std::vector<json> drain_args(fc::redis::broker& b, const std::string& queue) {
  std::vector<json> out;
  for (;;) {
    auto got = b.get_many({queue}, 500, 0ms);
    if (got.empty()) return out;
    for (auto& d : got) {
      REQUIRE(d.delivery);
      out.push_back(fc::protocol::parse_message(d.delivery->message).args);
    }
  }
}

// 600 send_task calls of tasks.rec with a send_tasks batch of 3 after the 301st; returns the
// args in the order sent.
std::vector<json> send_600_with_a_batch(fc::client& app, const std::string& queue) {
  std::vector<json> sent;
  for (int i = 0; i < 600; ++i) {
    (void)app.send_task("tasks.rec", {i}, {}, {.queue = queue});
    sent.push_back({i});
    if (i == 300) {
      std::vector<fc::task_call> calls;
      for (int k = 0; k < 3; ++k) {
        calls.push_back({"tasks.rec", json::array({1000 + k}), json::object(), {.queue = queue}});
        sent.push_back({1000 + k});
      }
      (void)app.send_tasks(calls);
    }
  }
  return sent;
}

TEST_CASE(
    "wait_for_reply = false: sends without waiting, in order, none lost; a refused "
    "command is thrown later; a broken connection's commands are written again",
    "[celery][redis]") {
  redis_world rw;
  auto& [srv, url, queue, c, broker, backend] = rw;
  auto pb = std::make_shared<fc::redis::broker>(
      c, fc::redis::transport_options{.wait_for_reply = false, .max_unreplied = 100});
  fc::client app{pb, backend};
  // wait_replies() went through (while Redis comes back it fails transiently).
  const auto replies_read = [&] {
    try {
      pb->wait_replies();
      return true;
    } catch (const ferry::error& e) {
      if (!e.is_transient()) throw;
      return false;
    }
  };

  // 600 send_task calls and a send_tasks batch, mixed: all queued, in the order sent.
  const std::vector<json> want = send_600_with_a_batch(app, queue);
  pb->wait_replies();
  CHECK(broker->size(queue) == want.size());
  CHECK(c->command({"SISMEMBER", "_kombu.binding." + queue,
                    fc::protocol::kombu_redis_binding_member(queue, "", queue)})
            .as_integer() == 1);
  CHECK(drain_args(*broker, queue) == want);

  // Redis refuses an LPUSH onto a string: the send returns, the refusal comes with the next
  // wait_replies(), naming the queue, and only once.
  const std::string bad = ferry::test::unique_name("bad");
  c->command({"SET", bad, "not a list"}).throw_if_error();
  (void)app.send_task("tasks.rec", {1}, {}, {.queue = bad});
  try {
    pb->wait_replies();
    FAIL("a refused LPUSH was not reported");
  } catch (const ferry::error& e) {
    CHECK(e.code() == ferry::errc::server_error);
    CHECK_THAT(e.what(), Catch::Contains(bad) && Catch::Contains("WRONGTYPE"));
  }
  CHECK_NOTHROW(pb->wait_replies());

  // The server drops the connection under commands whose replies were not read: they are
  // written again on a new connection (at least once: nothing lost, a few maybe twice).
  for (int i = 0; i < 50; ++i) (void)app.send_task("tasks.rec", {i}, {}, {.queue = queue});
  c->command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).throw_if_error();
  for (int i = 50; i < 60; ++i) {
    try {
      (void)app.send_task("tasks.rec", {i}, {}, {.queue = queue});
    } catch (const ferry::error& e) {
      CHECK(e.is_transient());  // the broken connection; the message stays pending
    }
  }
  REQUIRE(ferry::test::wait_until(replies_read, 10s));
  std::set<int> seen;
  for (const auto& a : drain_args(*broker, queue)) seen.insert(a.at(0).get<int>());
  CHECK(seen.size() == 60);

  // Redis gone: a send that fails has not taken its message; the sends that returned are
  // written, in order, once Redis is back (it restarts empty: nothing else is in the queue).
  srv.stop();
  std::vector<json> returned;
  bool failed = false;
  for (int i = 100; i < 110 && !failed; ++i) {
    try {
      (void)app.send_task("tasks.rec", {i}, {}, {.queue = queue});
      returned.push_back({i});
    } catch (const ferry::error& e) {
      CHECK(e.is_transient());
      failed = true;
    }
  }
  CHECK(failed);
  srv.start();
  REQUIRE(ferry::test::wait_until(replies_read, 10s));
  CHECK(drain_args(*broker, queue) == returned);
}

TEST_CASE(
    "batched paths: send_tasks, get_many records atomically in kombu order, ack_many, "
    "store_many keeps a SUCCESS",
    "[celery][redis]") {
  redis_world rw;
  auto& [srv, url, queue, c, broker, backend] = rw;
  fc::client app{broker, backend};

  // One send_tasks call: same messages as send_task, kombu's priority lists, order kept.
  std::vector<fc::task_call> calls;
  for (int p : {9, 0, 5, 0})
    calls.push_back({"tasks.rec",
                     json::array({p, static_cast<int>(calls.size())}),
                     json::object(),
                     {.priority = p, .queue = queue}});
  auto handles = app.send_tasks(calls);
  REQUIRE(handles.size() == 4);
  CHECK(broker->size(queue) == 4);
  c->command({"LPUSH", queue, "not json"}).throw_if_error();

  // One fetch of all five in kombu's order: the priority-0 list FIFO (the two tasks, then the
  // text LPUSHed after them), then priority 5, then 9. Nothing is recorded for the bad text.
  auto got = broker->get_many({queue}, 10, 0ms);
  REQUIRE(got.size() == 5);
  std::vector<json> args;
  std::vector<std::string> tags;
  for (auto& d : got) {
    if (!d.delivery) {
      CHECK(d.raw == "not json");
      CHECK_FALSE(d.error.empty());
      continue;
    }
    auto req = fc::protocol::parse_message(d.delivery->message);
    args.push_back(req.args);
    tags.push_back(d.delivery->delivery_tag);
    // recorded exactly as kombu's QoS.append: readable back as [envelope, exchange, rk]
    auto entry = c->command({"HGET", "unacked", d.delivery->delivery_tag});
    REQUIRE_FALSE(entry.is_nil());
    auto parsed = fc::protocol::parse_kombu_redis_unacked_value(entry.as_string());
    CHECK(parsed.routing_key == queue);
    CHECK(fc::protocol::from_kombu_redis_json(parsed.envelope).delivery_tag ==
          d.delivery->delivery_tag);
  }
  CHECK(args == std::vector<json>{{0, 1}, {0, 3}, {5, 2}, {9, 0}});
  CHECK(c->command({"HLEN", "unacked"}).as_integer() == 4);
  CHECK(c->command({"ZCARD", "unacked_index"}).as_integer() == 4);
  CHECK(broker->size(queue) == 0);

  // Early acks ride along with the next fetch (nothing left to pop).
  auto none = broker->get_many({queue}, 10, 0ms, std::span<const std::string>(tags.data(), 2));
  CHECK(none.empty());
  CHECK(c->command({"HLEN", "unacked"}).as_integer() == 2);
  broker->ack_many(std::span<const std::string>(tags.data() + 2, 2));
  CHECK(c->command({"HLEN", "unacked"}).as_integer() == 0);
  CHECK(c->command({"ZCARD", "unacked_index"}).as_integer() == 0);

  // store_many: a stored SUCCESS is never overwritten; the others are written.
  const auto now = std::chrono::system_clock::now();
  const auto id_a = handles[0].id(), id_b = handles[1].id();
  REQUIRE(backend->store(fc::task_result::success(id_a, 1, now)));
  std::vector<fc::task_result> batch{
      fc::task_result::failure(id_a, {"ValueError", json::array({"late"}), "builtins"},
                               std::nullopt, now),
      fc::task_result::success(id_b, 2, now)};
  auto written = backend->store_many(batch);
  CHECK(written == std::vector<bool>{false, true});
  CHECK(handles[0].get(1s) == json(1));
  CHECK(handles[1].get(1s) == json(2));
}
