// The Celery worker's semantics, end to end through the real worker, on the in-memory broker
// and result backend: no server. The live interop tests (tests/integration/celery_*) check the
// same behaviours against Python Celery; these pin them down where a failure is cheap to read.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ferry/celery/client.hpp"
#include "ferry/celery/memory_backend.hpp"
#include "ferry/celery/memory_broker.hpp"
#include "ferry/celery/registry.hpp"
#include "ferry/celery/worker.hpp"
#include "ferry/core/error.hpp"

namespace fc = ferry::celery;
using fc::json;
using namespace std::chrono_literals;

namespace {

// A worker running on its own thread over a fresh in-memory broker and backend; stopped and
// joined on destruction.
class memory_worker {
 public:
  explicit memory_worker(fc::worker_options o = {})
      : broker_(std::make_shared<fc::memory_broker>()),
        backend_(std::make_shared<fc::memory_backend>()),
        app_(broker_, backend_) {
    o.hostname = "w1@test";
    if (!o.on_hard_time_limit) o.on_hard_time_limit = [this] { hard_limit_hits_++; };
    worker_ = std::make_unique<fc::worker>(broker_, backend_, std::move(o));
    worker_->register_task("tasks.add", [](const json& a, const json&, fc::task_context&) {
      return json(a.at(0).get<long long>() + a.at(1).get<long long>());
    });
    worker_->register_task("tasks.mul", [](const json& a, const json&, fc::task_context&) {
      return json(a.at(0).get<long long>() * a.at(1).get<long long>());
    });
    worker_->register_task("tasks.fail", [](const json& a, const json&, fc::task_context&) -> json {
      throw std::runtime_error(a.at(0).get<std::string>());
    });
    worker_->register_task("tasks.record", [this](const json& a, const json&, fc::task_context&) {
      std::lock_guard lk(mu_);
      recorded_.push_back(a);
      return json(nullptr);
    });
  }
  memory_worker(const memory_worker&) = delete;
  memory_worker& operator=(const memory_worker&) = delete;
  ~memory_worker() {
    worker_->stop();
    if (thread_.joinable()) thread_.join();
  }

  void add(std::string name, fc::task_handler h) {
    worker_->register_task(std::move(name), std::move(h));
  }
  void start() {
    thread_ = std::thread([this] { worker_->run(); });
  }
  std::vector<json> recorded() {
    std::lock_guard lk(mu_);
    return recorded_;
  }
  // Waits until tasks.record has run `n` times.
  std::vector<json> wait_recorded(std::size_t n) {
    for (int i = 0; i < 500 && recorded().size() < n; ++i) std::this_thread::sleep_for(10ms);
    return recorded();
  }

  fc::memory_broker& broker() { return *broker_; }
  fc::memory_backend& backend() { return *backend_; }
  fc::client& app() { return app_; }
  int hard_limit_hits() const { return hard_limit_hits_.load(); }

 private:
  std::shared_ptr<fc::memory_broker> broker_;
  std::shared_ptr<fc::memory_backend> backend_;
  fc::client app_;
  std::unique_ptr<fc::worker> worker_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> recorded_;
  std::atomic<int> hard_limit_hits_{0};
};

// Acks and the hard-limit report follow the stored state by a moment (an early ack rides along
// with the consumer's next fetch): waits up to 3 s for `pred`.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 300 && !pred(); ++i) std::this_thread::sleep_for(10ms);
  return pred();
}

std::vector<std::string> statuses(const std::vector<fc::task_result>& history) {
  std::vector<std::string> out;
  for (const auto& r : history) out.push_back(r.status);
  return out;
}

}  // namespace

TEST_CASE("memory worker: success stores SUCCESS and acks", "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r = w.app().send_task("tasks.add", {2, 3});
  CHECK(r.get(5s) == 5);
  CHECK(r.state() == "SUCCESS");
  CHECK(w.broker().size("celery") == 0);
  CHECK(eventually([&] { return w.broker().unacked() == 0; }));
}

TEST_CASE("memory worker: a C++ exception is FAILURE with its type and message",
          "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r = w.app().send_task("tasks.fail", {"boom"});
  try {
    (void)r.get(5s);
    FAIL("no task_failed");
  } catch (const fc::task_failed& e) {
    REQUIRE(e.exception().has_value());
    CHECK(e.exception()->type == "std::runtime_error");
    CHECK(e.exception()->message == json::array({"boom"}));
    CHECK(e.exception()->module == "ferry");
  }
}

TEST_CASE("memory worker: retry republishes with retries+1 and stores RETRY, then SUCCESS",
          "[celery][worker][memory]") {
  memory_worker w;
  w.add("tasks.flaky", [](const json&, const json&, fc::task_context& ctx) -> json {
    if (ctx.retries() < 2) ctx.retry(20ms, fc::exception_info{.type = "KeyError"});
    return json(ctx.retries());
  });
  w.start();
  auto r = w.app().send_task("tasks.flaky");
  CHECK(r.get(5s) == 2);
  CHECK(statuses(w.backend().history(r.id())) ==
        std::vector<std::string>{"RETRY", "RETRY", "SUCCESS"});
  // The RETRY meta lists the retry message (the same id) as its child, as Celery's does.
  const auto retry = w.backend().history(r.id()).front();
  CHECK(retry.children.dump() ==
        json::array({json::array({json::array({r.id(), nullptr}), nullptr})}).dump());
  CHECK(retry.exception()->type == "KeyError");
}

TEST_CASE("memory worker: past max_retries the task fails", "[celery][worker][memory]") {
  memory_worker w{fc::worker_options{.max_retries = 1}};
  std::atomic<int> runs{0};
  w.add("tasks.always_retry", [&runs](const json&, const json&, fc::task_context& ctx) -> json {
    ++runs;
    ctx.retry(10ms);
  });
  w.start();
  auto r = w.app().send_task("tasks.always_retry");
  CHECK(r.wait(5s).status == "FAILURE");
  CHECK(r.wait(5s).exception()->type == "MaxRetriesExceededError");
  CHECK(runs.load() == 2);
}

TEST_CASE("memory worker: eta holds the task until due", "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  const auto sent = std::chrono::system_clock::now();
  auto r = w.app().send_task("tasks.add", {1, 1}, {}, {.countdown = 300ms});
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(r.ready());
  CHECK(r.get(5s) == 2);
  CHECK(*r.meta()->date_done - sent >= 300ms);
}

TEST_CASE("memory worker: an expired task is REVOKED and never runs", "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r = w.app().send_task("tasks.record", {1}, {},
                             {.expires = std::chrono::system_clock::now() - 5s});
  const auto meta = r.wait(5s);
  CHECK(meta.status == "REVOKED");
  CHECK(*meta.exception() == fc::exception_info{.type = "TaskRevokedError",
                                                .message = json::array({"expired"}),
                                                .module = "celery.exceptions"});
  CHECK(w.recorded().empty());
  CHECK(eventually([&] { return w.broker().unacked() == 0; }));
}

TEST_CASE("memory worker: link callbacks get the result, parent and root ids",
          "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r = w.app().send_task("tasks.add", {2, 2}, {},
                             {.link = {fc::signature{.task = "tasks.record", .args = {10}}}});
  CHECK(r.get(5s) == 4);
  // Callbacks are applied with the result prepended to their args.
  CHECK(w.wait_recorded(1) == std::vector<json>{json::array({4, 10})});
  const auto children = r.meta()->children;
  REQUIRE(children.size() == 1);
  const auto child = children[0][0][0].get<std::string>();
  const auto child_meta = w.backend().wait(child, 5s);
  CHECK(child_meta.parent_id == r.id());
}

TEST_CASE("memory worker: errbacks get the failed task's id", "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r =
      w.app().send_task("tasks.fail", {"bad"}, {},
                        {.link_error = {fc::signature{.task = "tasks.record", .args = {"extra"}}}});
  CHECK(r.wait(5s).status == "FAILURE");
  CHECK(w.wait_recorded(1) == std::vector<json>{json::array({r.id(), "extra"})});
}

TEST_CASE("memory worker: a chain runs step by step, each getting the previous result",
          "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  // chain(add(1, 2), add(3), mul(4)): embed.chain holds the NEXT step LAST.
  const std::string last_id = "chain-last-step";
  auto r = w.app().send_task(
      "tasks.add", {1, 2}, {},
      {.chain = {fc::signature{.task = "tasks.mul", .args = {4}, .options = {{"task_id", last_id}}},
                 fc::signature{.task = "tasks.add", .args = {3}}}});
  CHECK(r.get(5s) == 3);
  CHECK(w.backend().wait(last_id, 5s).result == 24);
  // Its parent is the middle step, whose parent is the first task.
  const auto last = w.backend().wait(last_id, 5s);
  REQUIRE(last.parent_id.has_value());
  CHECK(w.backend().wait(*last.parent_id, 5s).parent_id == r.id());
}

TEST_CASE("memory worker: ignore_result stores nothing but runs the task",
          "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r = w.app().send_task("tasks.record", {7}, {}, {.ignore_result = true});
  CHECK(w.wait_recorded(1) == std::vector<json>{json::array({7})});
  std::this_thread::sleep_for(50ms);
  CHECK(w.backend().history(r.id()).empty());
  CHECK(r.state() == "PENDING");
}

TEST_CASE("memory worker: track_started stores STARTED before the result",
          "[celery][worker][memory]") {
  memory_worker w{fc::worker_options{.track_started = true}};
  w.start();
  auto r = w.app().send_task("tasks.add", {1, 2});
  CHECK(r.get(5s) == 3);
  const auto h = w.backend().history(r.id());
  CHECK(statuses(h) == std::vector<std::string>{"STARTED", "SUCCESS"});
  CHECK(h.front().result["hostname"] == "w1@test");
}

TEST_CASE("memory worker: the soft time limit fails a task that checks it",
          "[celery][worker][memory]") {
  memory_worker w;
  w.add("tasks.slow", [](const json&, const json&, fc::task_context& ctx) -> json {
    for (int i = 0; i < 500; ++i) {
      ctx.check_soft_time_limit();
      std::this_thread::sleep_for(10ms);
    }
    return json("finished");
  });
  w.start();
  fc::send_options o;
  o.soft_time_limit = std::chrono::duration<double>(0.1);
  auto r = w.app().send_task("tasks.slow", json::array(), json::object(), o);
  const auto meta = r.wait(5s);
  CHECK(meta.status == "FAILURE");
  CHECK(meta.exception()->type == "SoftTimeLimitExceeded");
}

TEST_CASE("memory worker: the hard time limit stores TimeLimitExceeded, acks, and reports",
          "[celery][worker][memory]") {
  memory_worker w;
  std::atomic<bool> release{false};
  w.add("tasks.stuck", [&release](const json&, const json&, fc::task_context&) -> json {
    while (!release.load()) std::this_thread::sleep_for(10ms);
    return json("late");
  });
  w.start();
  fc::send_options o;
  o.time_limit = std::chrono::duration<double>(0.1);
  auto r = w.app().send_task("tasks.stuck", json::array(), json::object(), o);
  const auto meta = r.wait(5s);
  CHECK(meta.status == "FAILURE");
  CHECK(meta.exception()->type == "TimeLimitExceeded");
  CHECK(eventually([&] { return w.hard_limit_hits() == 1; }));
  CHECK(eventually([&] { return w.broker().unacked() == 0; }));
  release = true;
  // The stuck handler's late return changes nothing.
  std::this_thread::sleep_for(100ms);
  CHECK(r.meta()->status == "FAILURE");
}

TEST_CASE("memory worker: an unregistered task is FAILURE NotRegistered and dead-lettered",
          "[celery][worker][memory]") {
  memory_worker w;
  w.start();
  auto r = w.app().send_task("tasks.nobody");
  const auto meta = r.wait(5s);
  CHECK(meta.exception()->type == "NotRegistered");
  CHECK(eventually([&] { return !w.broker().dead_letters("celery.dlq").empty(); }));
  const auto dead = w.broker().dead_letters("celery.dlq");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].error == "unregistered task tasks.nobody");
  CHECK(eventually([&] { return w.broker().unacked() == 0; }));
}

TEST_CASE("memory worker: acks_late keeps the message unacked while the task runs",
          "[celery][worker][memory]") {
  memory_worker w{fc::worker_options{.acks_late = true}};
  std::atomic<bool> running{false}, release{false};
  w.add("tasks.hold", [&](const json&, const json&, fc::task_context&) -> json {
    running = true;
    while (!release.load()) std::this_thread::sleep_for(5ms);
    return json(1);
  });
  w.start();
  auto r = w.app().send_task("tasks.hold");
  for (int i = 0; i < 500 && !running.load(); ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(running.load());
  CHECK(w.broker().unacked() == 1);
  release = true;
  CHECK(r.get(5s) == 1);
  CHECK(eventually([&] { return w.broker().unacked() == 0; }));
}

TEST_CASE("memory:// URLs share one broker and backend while held", "[celery][memory]") {
  auto b1 = fc::open_broker("memory://shared-test");
  auto b2 = fc::open_broker("memory://shared-test");
  CHECK(b1 == b2);
  CHECK(fc::open_broker("memory://other") != b1);
  CHECK(fc::open_backend("memory://shared-test") == fc::open_backend("memory://shared-test"));
  CHECK_THROWS_AS(fc::open_broker("nosuch://x"), ferry::error);
}

TEST_CASE("memory backend: a stored SUCCESS is never overwritten; wait times out",
          "[celery][memory]") {
  fc::memory_backend b;
  const auto now = std::chrono::system_clock::now();
  CHECK(b.store(fc::task_result::success("t1", 1, now)));
  CHECK_FALSE(b.store(fc::task_result::success("t1", 2, now)));
  CHECK(b.get("t1")->result == 1);
  CHECK_FALSE(b.get("t2").has_value());
  try {
    (void)b.wait("t2", 20ms);
    FAIL("no timeout");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::timeout);
  }
  b.forget("t1");
  CHECK_FALSE(b.get("t1").has_value());
}
