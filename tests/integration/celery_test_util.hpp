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
#include <string>
#include <thread>
#include <vector>

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

// A real `celery worker -P solo` on the queue of `env`, stopped (SIGTERM, warm shutdown) on
// destruction.
class python_worker {
 public:
  explicit python_worker(std::map<std::string, std::string> env) : dir_("ferry-celery-py") {
    log_ = dir_.path() + "/worker.log";
    ferry::test::spawn_options so;
    const std::string queue = env.at("FERRY_QUEUE");
    so.env = std::move(env);
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
inline json python_send(const std::map<std::string, std::string>& env,
                        std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/python3", py_dir + "/send.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = ferry::test::run_command(argv, env);
  auto nl = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  auto line = nl == std::string::npos ? out : out.substr(nl + 1);
  return json::parse(line);
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
  ferry_worker(std::shared_ptr<fc::broker> broker, std::shared_ptr<fc::redis_backend> backend,
               fc::worker_options o) {
    o.log = [this](fc::log_level, std::string_view line) {
      std::lock_guard lk(mu_);
      log_ += std::string(line) + "\n";
    };
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

}  // namespace ferry_celery_test
