// Shared by the Celery integration tests (Redis and RabbitMQ brokers): the real Python Celery
// worker and sender scripts (tests/integration/celery, run with /usr/bin/python3), and a ferry
// worker on a thread with the test tasks the scripts call.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ferry/celery/client.hpp"
#include "ferry/celery/redis/backend.hpp"
#include "ferry/celery/worker.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"

extern char** environ;

namespace ferry_celery_test {

namespace fc = ferry::celery;
using fc::json;
using namespace std::chrono_literals;

inline const std::string py_dir = FERRY_CELERY_PY_DIR;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The Python side's environment: broker and backend URLs, the queue, and every other CELERY_*
// variable of the test's own environment blanked (the celery CLI reads them).
inline std::map<std::string, std::string> py_env(const std::string& broker_url,
                                                 const std::string& backend_url,
                                                 const std::string& queue,
                                                 std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.starts_with("CELERY_")) env[entry.substr(0, entry.find('='))] = "";
  }
  env["PYTHONPATH"] = py_dir;
  env["CELERY_BROKER_URL"] = broker_url;
  env["CELERY_RESULT_BACKEND"] = backend_url;
  env["FERRY_QUEUE"] = queue;
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// A worker process (Python Celery or ferry-celery-worker) with its output in a log file; ready
// once `ready_marker` is logged; stopped (SIGTERM, warm shutdown) on destruction.
class worker_process {
 public:
  worker_process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                 const std::string& ready_marker, std::chrono::seconds start_timeout)
      : dir_("ferry-celery-proc") {
    log_ = dir_.path() + "/worker.log";
    ferry::test::spawn_options so;
    so.env = std::move(env);
    so.log_file = log_;
    proc_ = ferry::test::child_process(std::move(argv), so);
    if (!ferry::test::wait_until(
            [&] { return slurp(log_).find(ready_marker) != std::string::npos; }, start_timeout,
            50ms))
      FAIL("worker did not start:\n" << slurp(log_));
  }
  ~worker_process() { proc_.terminate(20s); }
  void kill() {
    proc_.signal_group(SIGKILL);
    proc_.wait_for_exit(10s);
  }
  /// Sends `sig` (e.g. SIGSTOP) to the worker's process group.
  void signal(int sig) { proc_.signal_group(sig); }
  [[nodiscard]] std::string log() const { return slurp(log_); }

 private:
  ferry::test::temp_dir dir_;
  std::string log_;
  ferry::test::child_process proc_;
};

// A real `celery worker -P solo` on the queue of `env` (see py_env).
class python_worker : public worker_process {
 public:
  explicit python_worker(std::map<std::string, std::string> env)
      : worker_process(
            {"/usr/bin/python3", "-m", "celery", "-A", "app", "worker", "-P", "solo", "-l", "info",
             "-Q", env.at("FERRY_QUEUE"), "-n", ferry::test::unique_name("py") + "@%h",
             "--without-heartbeat", "--without-gossip", "--without-mingle"},
            env, " ready.", 60s) {}
};

// send.py <case> [arg]: the Python client side; returns its one JSON line.
inline json python_send(const std::map<std::string, std::string>& env,
                        std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/python3", py_dir + "/send.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = ferry::test::run_command(argv, env);
  auto nl = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  auto line = nl == std::string::npos ? out : out.substr(nl + 1);
  return json::parse(line);
}

// Waits for `r`, which must fail: its task_failed (the test FAILs with `what` if it succeeds).
inline fc::task_failed expect_failure(const fc::async_result& r, std::chrono::milliseconds timeout,
                                      const std::string& what) {
  try {
    (void)r.get(timeout);
  } catch (const fc::task_failed& e) {
    return e;
  }
  FAIL(what);
  throw std::logic_error(what);  // not reached: FAIL throws
}

// The tasks send.py calls, in C++.
inline void register_test_tasks(fc::worker& w) {
  w.register_task("tasks.add", [](const json& a, const json&, fc::task_context&) {
    return json(a.at(0).get<long long>() + a.at(1).get<long long>());
  });
  w.register_task("tasks.mul", [](const json& a, const json&, fc::task_context&) {
    return json(a.at(0).get<long long>() * a.at(1).get<long long>());
  });
  w.register_task("tasks.echo", [](const json& a, const json& k, fc::task_context&) {
    return json{{"args", a}, {"kwargs", k}};
  });
  w.register_task("tasks.throw", [](const json& a, const json&, fc::task_context&) -> json {
    throw std::runtime_error(a.at(0).get<std::string>());
  });
  w.register_task("tasks.flaky", [](const json&, const json&, fc::task_context& ctx) -> json {
    if (ctx.retries() < 2) ctx.retry(200ms);
    return json{{"retries", ctx.retries()}};
  });
}

// A ferry worker on a thread, with the test tasks registered; its log kept in memory.
class ferry_worker {
 public:
  ferry_worker(std::shared_ptr<fc::broker> broker, std::shared_ptr<fc::result_backend> backend,
               fc::worker_options o) {
    o.observer = ferry::observer{ferry::log_level::debug,
                                 [this](ferry::log_level, std::string_view, std::string_view line) {
                                   std::lock_guard lk(mu_);
                                   log_ += std::string(line) + "\n";
                                 }};
    w_ = std::make_unique<fc::worker>(std::move(broker), std::move(backend), std::move(o));
    register_test_tasks(*w_);
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

 private:
  std::unique_ptr<fc::worker> w_;
  std::thread thread_;
  std::mutex mu_;
  std::string log_;
};

// ferry's client sends, a Python worker runs: the cases whose outcome does not depend on the
// broker (expires does: each test checks it itself).
inline void ferry_sends_common_cases(fc::client& app, const std::string& queue) {
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

  // priority: still runs (Redis: kombu's priority list; RabbitMQ: x-max-priority queue)
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
  CHECK(app.result(meta->children[0][0][0].get<std::string>()).get(30s) == 40);

  // chain: add(1,2) | mul(10) | add(5) → 35; embed.chain holds the NEXT step LAST
  auto och = o;
  auto last_id = fc::protocol::new_task_id();
  och.chain = {
      fc::signature{
          .task = "tasks.add", .args = {5}, .options = {{"queue", queue}, {"task_id", last_id}}},
      fc::signature{.task = "tasks.mul", .args = {10}, .options = {{"queue", queue}}}};
  (void)app.send_task("tasks.add", {1, 2}, {}, och);
  CHECK(app.result(last_id).get(30s) == 35);

  // a Python task raising: FAILURE with type and message
  auto rf = app.send_task("tasks.fail", {"bad input"}, {}, o);
  const auto e = expect_failure(rf, 30s, "no failure");
  CHECK(e.result().status == "FAILURE");
  REQUIRE(e.exception());
  CHECK(e.exception()->type == "ValueError");
  CHECK(e.exception()->message == json::array({"bad input", 42}));
  CHECK(e.result().traceback.value_or("").find("ValueError") != std::string::npos);
  CHECK(rf.failed());
}

// Python sends (send.py), a ferry worker runs: the broker-independent cases (not "expired").
inline void python_sends_common_cases(const std::map<std::string, std::string>& env) {
  auto args = python_send(env, {"args"});
  CHECK(args["result"]["args"] ==
        json::array({1, "h\u00e9llo \u2603 \U0001F600",
                     json{{"a", json::array({1, json{{"b", nullptr}}})}}}));
  CHECK(args["result"]["kwargs"] ==
        json{{"k\u00fc", "v\u00e9"}, {"n", json{{"x", json::array({true, 1.5})}}}});
  CHECK(python_send(env, {"apply_async"})["result"] == 5);
  CHECK(python_send(env, {"priority"})["result"] == 11);

  auto cd = python_send(env, {"countdown"});
  CHECK(cd["result"] == 2);
  CHECK(cd["elapsed"].get<double>() >= 1.9);

  // A C++ exception: Python sees FAILURE with the C++ type name and what()
  auto err = python_send(env, {"cxx_error"});
  CHECK(err["state"] == "FAILURE");
  CHECK(err["exc"] == "std::runtime_error");
  CHECK(err["args"] == json::array({"boom"}));

  // retry requested by the handler twice, then success (same id, retries counted)
  auto rt = python_send(env, {"retry"});
  CHECK(rt["state"] == "SUCCESS");
  CHECK(rt["result"]["retries"] == 2);

  // link callback published by ferry with the result prepended
  auto ln = python_send(env, {"link"});
  CHECK(ln["result"] == 4);
  CHECK(ln["child"] == 40);

  // chain built by Python: (1+2)*10+5
  CHECK(python_send(env, {"chain"})["result"] == 35);
}

}  // namespace ferry_celery_test
