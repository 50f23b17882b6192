// Celery over Redis against real Python Celery 5.2 (workers and clients run with
// /usr/bin/python3; scripts in tests/integration/celery). Each test case gets its own
// redis-server, so kombu's shared `unacked` hash cannot leak between cases.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "ferry/celery/client.hpp"
#include "ferry/celery/worker.hpp"
#include "ferry/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"

namespace fc = ferry::celery;
using namespace std::chrono_literals;
using fc::json;

namespace {

const std::string py_dir = FERRY_CELERY_PY_DIR;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> py_env(const std::string& url, const std::string& queue,
                                          int visibility_timeout = 3600) {
  return {{"PYTHONPATH", py_dir},
          {"CELERY_BROKER_URL", url},
          {"CELERY_RESULT_BACKEND", url},
          {"FERRY_QUEUE", queue},
          {"FERRY_VISIBILITY_TIMEOUT", std::to_string(visibility_timeout)}};
}

// A real `celery worker -P solo` on `queue`, stopped (SIGTERM, warm shutdown) on destruction.
class python_worker {
 public:
  python_worker(const std::string& url, const std::string& queue, int visibility_timeout = 3600)
      : dir_("ferry-celery-py") {
    log_ = dir_.path() + "/worker.log";
    ferry::test::spawn_options so;
    so.env = py_env(url, queue, visibility_timeout);
    so.log_file = log_;
    proc_ = ferry::test::child_process(
        {"/usr/bin/python3", "-m", "celery", "-A", "app", "worker", "-P", "solo", "-l", "info",
         "-Q", queue, "-n", ferry::test::unique_name("py") + "@%h", "--without-heartbeat",
         "--without-gossip", "--without-mingle"},
        so);
    bool ready = ferry::test::wait_until(
        [&] { return slurp(log_).find(" ready.") != std::string::npos; }, 60s, 100ms);
    if (!ready) FAIL("python worker did not start:\n" << slurp(log_));
  }
  ~python_worker() { proc_.terminate(20s); }
  void kill() {
    proc_.signal_group(SIGKILL);
    proc_.wait_for_exit(10s);
  }
  [[nodiscard]] std::string log() const { return slurp(log_); }

 private:
  ferry::test::temp_dir dir_;
  std::string log_;
  ferry::test::child_process proc_;
};

// send.py <case> [arg]: the Python client side; returns its one JSON line.
json python_send(const std::string& url, const std::string& queue, std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/python3", py_dir + "/send.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = ferry::test::run_command(argv, py_env(url, queue));
  auto nl = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  auto line = nl == std::string::npos ? out : out.substr(nl + 1);
  return json::parse(line);
}

fc::client make_client(const std::string& url) {
  return fc::client{url, url};
}

// A ferry worker on a thread, with the test tasks registered.
class ferry_worker {
 public:
  ferry_worker(const std::string& url, fc::worker_options o) {
    auto c = std::make_shared<ferry::redis::client>(url);
    broker_ = std::make_shared<fc::redis_broker>(c);
    backend_ = std::make_shared<fc::redis_backend>(c);
    o.log = [this](fc::log_level, std::string_view line) {
      std::lock_guard lk(mu_);
      log_ += std::string(line) + "\n";
    };
    w_ = std::make_unique<fc::worker>(broker_, backend_, std::move(o));
    w_->register_task("tasks.add", [](const json& a, const json&, fc::task_context&) {
      return json(a.at(0).get<long long>() + a.at(1).get<long long>());
    });
    w_->register_task("tasks.mul", [](const json& a, const json&, fc::task_context&) {
      return json(a.at(0).get<long long>() * a.at(1).get<long long>());
    });
    w_->register_task("tasks.echo", [](const json& a, const json& k, fc::task_context&) {
      return json{{"args", a}, {"kwargs", k}};
    });
    w_->register_task("tasks.throw", [](const json& a, const json&, fc::task_context&) -> json {
      throw std::runtime_error(a.at(0).get<std::string>());
    });
    w_->register_task("tasks.flaky", [](const json&, const json&, fc::task_context& ctx) -> json {
      if (ctx.retries() < 2) ctx.retry(200ms);
      return json{{"retries", ctx.retries()}};
    });
    thread_ = std::thread([this] { w_->run(); });
  }
  ~ferry_worker() {
    w_->stop();
    thread_.join();
  }
  std::string log() {
    std::lock_guard lk(mu_);
    return log_;
  }
  fc::redis_broker& broker() { return *broker_; }

 private:
  std::shared_ptr<fc::redis_broker> broker_;
  std::shared_ptr<fc::redis_backend> backend_;
  std::unique_ptr<fc::worker> w_;
  std::thread thread_;
  std::mutex mu_;
  std::string log_;
};

}  // namespace

TEST_CASE("ferry sends, a Python Celery worker runs", "[celery][redis][python]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  python_worker py{url, queue};
  auto app = make_client(url);
  fc::send_options o{.queue = queue};

  // positional + keyword args with unicode and nested JSON
  json args = json::array(
      {1, "h\u00e9llo \u2603 \U0001F600", json{{"a", json::array({1, json{{"b", nullptr}}})}}});
  json kwargs = json{{"k\u00fc", "v\u00e9"}, {"n", json{{"x", json::array({true, 1.5})}}}};
  auto r = app.send_task("tasks.echo", args, kwargs, o);
  json v = r.get(30s);
  CHECK(v["args"] == args);
  CHECK(v["kwargs"] == kwargs);
  CHECK(r.successful());

  // countdown: not run before it is due
  auto t0 = std::chrono::steady_clock::now();
  auto oc = o;
  oc.countdown = 2s;
  CHECK(app.send_task("tasks.add", {2, 3}, {}, oc).get(30s) == 5);
  CHECK(std::chrono::steady_clock::now() - t0 >= 1900ms);

  // eta
  auto oe = o;
  oe.eta = std::chrono::system_clock::now() + 1s;
  CHECK(app.send_task("tasks.add", {4, 5}, {}, oe).get(30s) == 9);

  // expires in the past: Celery stores REVOKED (TaskRevokedError "expired")
  auto ox = o;
  ox.expires = std::chrono::system_clock::now() - 10s;
  auto rx = app.send_task("tasks.add", {1, 1}, {}, ox);
  try {
    (void)rx.get(30s);
    FAIL("expired task returned a value");
  } catch (const fc::task_failed& e) {
    CHECK(e.result().status == "REVOKED");
    REQUIRE(e.exception());
    CHECK(e.exception()->type == "TaskRevokedError");
    CHECK(e.exception()->message == json::array({"expired"}));
  }

  // priority: the message lands on kombu's priority list and still runs
  auto op = o;
  op.priority = 9;
  CHECK(app.send_task("tasks.add", {10, 1}, {}, op).get(30s) == 11);

  // link callback: mul(add(2,2), 10) = 40, child result readable
  auto ol = o;
  ol.link = {fc::signature{.task = "tasks.mul", .args = {10}, .options = {{"queue", queue}}}};
  auto rl = app.send_task("tasks.add", {2, 2}, {}, ol);
  CHECK(rl.get(30s) == 4);
  auto meta = rl.meta();
  REQUIRE(meta);
  REQUIRE(meta->children.size() == 1);
  auto child_id = meta->children[0][0][0].get<std::string>();
  CHECK(app.result(child_id).get(30s) == 40);

  // chain: add(1,2) | mul(10) | add(5) → 35; embed.chain holds the NEXT step LAST
  auto och = o;
  auto last_id = fc::new_task_id();
  och.chain = {
      fc::signature{
          .task = "tasks.add", .args = {5}, .options = {{"queue", queue}, {"task_id", last_id}}},
      fc::signature{.task = "tasks.mul", .args = {10}, .options = {{"queue", queue}}}};
  (void)app.send_task("tasks.add", {1, 2}, {}, och);
  CHECK(app.result(last_id).get(30s) == 35);

  // a Python task raising: FAILURE with type and message
  auto rf = app.send_task("tasks.fail", {"bad input"}, {}, o);
  try {
    (void)rf.get(30s);
    FAIL("no failure");
  } catch (const fc::task_failed& e) {
    CHECK(e.result().status == "FAILURE");
    REQUIRE(e.exception());
    CHECK(e.exception()->type == "ValueError");
    CHECK(e.exception()->message == json::array({"bad input", 42}));
    CHECK(e.result().traceback.value_or("").find("ValueError") != std::string::npos);
  }
  CHECK(rf.failed());

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

  auto args = python_send(url, queue, {"args"});
  CHECK(args["result"]["args"] ==
        json::array({1, "h\u00e9llo \u2603 \U0001F600",
                     json{{"a", json::array({1, json{{"b", nullptr}}})}}}));
  CHECK(args["result"]["kwargs"] ==
        json{{"k\u00fc", "v\u00e9"}, {"n", json{{"x", json::array({true, 1.5})}}}});

  CHECK(python_send(url, queue, {"apply_async"})["result"] == 5);

  auto cd = python_send(url, queue, {"countdown"});
  CHECK(cd["result"] == 2);
  CHECK(cd["elapsed"].get<double>() >= 1.9);

  auto ex = python_send(url, queue, {"expired"});
  CHECK(ex["state"] == "REVOKED");
  CHECK(ex["exc"] == "TaskRevokedError");

  // A C++ exception: Python sees FAILURE with the C++ type name and what()
  auto err = python_send(url, queue, {"cxx_error"});
  CHECK(err["state"] == "FAILURE");
  CHECK(err["exc"] == "std::runtime_error");
  CHECK(err["args"] == json::array({"boom"}));

  // retry requested by the handler twice, then success (same id, retries counted)
  auto rt = python_send(url, queue, {"retry"});
  CHECK(rt["state"] == "SUCCESS");
  CHECK(rt["result"]["retries"] == 2);

  // link callback published by ferry with the result prepended
  auto ln = python_send(url, queue, {"link"});
  CHECK(ln["result"] == 4);
  CHECK(ln["child"] == 40);

  // chain built by Python: (1+2)*10+5
  CHECK(python_send(url, queue, {"chain"})["result"] == 35);

  // ferry's own client against ferry's worker
  auto app = make_client(url);
  CHECK(app.send_task("tasks.add", {20, 22}, {}, {.queue = queue}).get(30s) == 42);
}

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
  m.headers = json{{"id", fc::new_task_id()}};
  m.body = R"([[], {}, {}])";
  fw.broker().push_raw(queue, fc::to_kombu_redis_json(m, "", queue));
  // unknown task: also FAILURE NotRegistered, like Celery
  auto unknown = app.send_task("tasks.does_not_exist", {1}, {}, {.queue = queue});
  try {
    (void)unknown.get(30s);
    FAIL("unknown task succeeded");
  } catch (const fc::task_failed& e) {
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
}

namespace {
// The ferry-celery-worker app as a separate process (so it can be SIGKILLed).
class ferry_worker_process {
 public:
  ferry_worker_process(const std::string& url, const std::string& queue,
                       const std::string& db_url = "")
      : dir_("ferry-celery-app") {
    log_ = dir_.path() + "/worker.log";
    ferry::test::spawn_options so;
    so.env = {{"CELERY_BROKER_URL", url}, {"CELERY_RESULT_BACKEND", url}, {"DB_URL", db_url}};
    so.log_file = log_;
    proc_ = ferry::test::child_process(
        {FERRY_CELERY_WORKER_BIN, "-Q", queue, "--acks-late", "--visibility-timeout", "5",
         "--restore-interval", "1", "--test-tasks"},
        so);
    if (!ferry::test::wait_until([&] { return slurp(log_).find(" ready") != std::string::npos; },
                                 30s, 50ms))
      FAIL("ferry worker did not start:\n" << slurp(log_));
  }
  ~ferry_worker_process() { proc_.terminate(20s); }
  void kill() {
    proc_.signal_group(SIGKILL);
    proc_.wait_for_exit(10s);
  }
  [[nodiscard]] std::string log() const { return slurp(log_); }

 private:
  ferry::test::temp_dir dir_;
  std::string log_;
  ferry::test::child_process proc_;
};
}  // namespace

TEST_CASE("a Python worker and a ferry worker share a queue; SIGKILLed tasks are restored",
          "[celery][redis][python][kill]") {
  if (std::string(FERRY_CELERY_WORKER_BIN).empty()) {
    WARN("ferry-celery-worker not built (FERRY_BUILD_APPS=OFF): skipped");
    return;
  }
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  auto app = make_client(url);
  auto redis = std::make_shared<ferry::redis::client>(url);
  auto unacked = [&] { return redis->command({"HLEN", "unacked"}).as_integer(); };

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
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  auto c = std::make_shared<ferry::redis::client>(url);
  auto broker = std::make_shared<fc::redis_broker>(c);
  auto backend = std::make_shared<fc::redis_backend>(c);
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
  try {
    (void)rs.get(10s);
    FAIL("soft limit did not fire");
  } catch (const fc::task_failed& e) {
    CHECK(e.exception()->type == "SoftTimeLimitExceeded");
    CHECK(e.exception()->module == "celery.exceptions");
  }

  // hard limit: FAILURE TimeLimitExceeded is stored, the callback (default: exit) is called,
  // and the late return does not overwrite it
  auto rh = app.send_task("tasks.stuck", {}, {},
                          {.queue = queue, .time_limit = std::chrono::duration<double>(0.5)});
  try {
    (void)rh.get(10s);
    FAIL("hard limit did not fire");
  } catch (const fc::task_failed& e) {
    CHECK(e.exception()->type == "TimeLimitExceeded");
  }
  std::this_thread::sleep_for(2500ms);  // the handler returns late: no overwrite
  CHECK(hard_limits.load() == 1);
  CHECK(rh.state() == "FAILURE");

  // errback: published with the failed id prepended
  auto eb_id = fc::new_task_id();
  auto rf = app.send_task(
      "tasks.throw", {}, {},
      {.queue = queue,
       .link_error = {fc::signature{.task = "tasks.errback",
                                    .options = {{"queue", queue}, {"task_id", eb_id}}}}});
  try {
    (void)rf.get(10s);
    FAIL("no failure");
  } catch (const fc::task_failed& e) {
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
  try {
    (void)app.send_task("tasks.parse_message", {42}, {}, {.queue = queue}).get(30s);
    FAIL("no failure");
  } catch (const fc::task_failed& e) {
    CHECK(e.exception()->type == "std::invalid_argument");
  }
}

TEST_CASE("ferry worker consumes kombu's priority lists in order (0 first) and FIFO within",
          "[celery][redis]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  auto c = std::make_shared<ferry::redis::client>(url);
  auto broker = std::make_shared<fc::redis_broker>(c);
  auto backend = std::make_shared<fc::redis_backend>(c);
  fc::client app{broker, backend};
  // published before any worker runs (as kombu's own capture: 9,0,5,7,0,2 → 0,0,2,5,7,9)
  std::vector<fc::async_result> rs;
  for (int p : {9, 0, 5, 7, 0, 2})
    rs.push_back(app.send_task("tasks.rec", {p, static_cast<int>(rs.size())}, {},
                               {.priority = p, .queue = queue}));
  CHECK(c->command({"SISMEMBER", "_kombu.binding." + queue,
                    fc::kombu_redis_binding_member(queue, "", queue)})
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
    "batched paths: send_tasks, get_many records atomically in kombu order, ack_many, "
    "store_many keeps a SUCCESS",
    "[celery][redis]") {
  ferry::test::redis_server srv;
  const auto url = srv.url();
  const auto queue = ferry::test::unique_name("q");
  auto c = std::make_shared<ferry::redis::client>(url);
  auto broker = std::make_shared<fc::redis_broker>(c);
  auto backend = std::make_shared<fc::redis_backend>(c);
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
    auto req = fc::parse_message(d.delivery->message);
    args.push_back(req.args);
    tags.push_back(d.delivery->delivery_tag);
    // recorded exactly as kombu's QoS.append: readable back as [envelope, exchange, rk]
    auto entry = c->command({"HGET", "unacked", d.delivery->delivery_tag});
    REQUIRE_FALSE(entry.is_nil());
    auto parsed = fc::parse_kombu_redis_unacked_value(entry.as_string());
    CHECK(parsed.routing_key == queue);
    CHECK(fc::from_kombu_redis_json(parsed.envelope).delivery_tag == d.delivery->delivery_tag);
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
