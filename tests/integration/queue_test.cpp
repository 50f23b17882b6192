// The reliable queue against a real redis-server: every operation, priorities, delays, dedup,
// retries into the DLQ and back, retention, stale recovery after a worker is SIGKILLed, and
// 10,000 jobs through 4 worker processes while Redis is killed and restarted; the batch path
// (reserve_many, ack_and_reserve) and the worker runtime, including a killed worker process
// that held prefetched jobs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/queue/scheduler.hpp"
#include "ferry/queue/worker.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fq = ferry::queue;

namespace {

fq::queue_options fast_options() {
  fq::queue_options o;
  o.retry.max_attempts = 3;
  o.retry.base = 50ms;
  o.retry.cap = 200ms;
  o.retry.jitter = ferry::jitter_mode::none;
  o.lease = 30s;
  o.worker_id = "test-worker";
  return o;
}

// A queue with a unique name that deletes its keys at the end of the test.
struct scoped_queue {
  explicit scoped_queue(ferry::redis::client& c, fq::queue_options o = fast_options())
      : q(c, ferry::test::unique_name("q"), std::move(o)) {}
  ~scoped_queue() {
    try {
      q.destroy();
    } catch (...) {
    }
  }
  fq::queue q;
};

ferry::redis::client& shared_client() {
  static ferry::redis::client c{ferry::test::shared_redis_url()};
  return c;
}

}  // namespace

TEST_CASE("enqueue, reserve, ack round trip with a binary payload", "[queue]") {
  scoped_queue s{shared_client()};
  const std::string payload("a\0b\xff\r\n", 6);
  const auto id = s.q.enqueue(payload);
  CHECK(id.size() == 32);
  CHECK(s.q.stats().ready == 1);

  auto j = s.q.reserve(1s);
  REQUIRE(j);
  CHECK(j->id == id);
  CHECK(j->payload == payload);
  CHECK(j->attempts == 1);
  CHECK(j->max_attempts == 3);
  CHECK_FALSE(j->last_error);
  auto st = s.q.stats();
  CHECK(st.ready == 0);
  CHECK(st.in_flight == 1);

  CHECK(s.q.ack(*j));
  CHECK_FALSE(s.q.ack(*j));  // already acked
  st = s.q.stats();
  CHECK(st.in_flight == 0);
  CHECK(st.enqueued == 1);
  CHECK(st.processed == 1);
  CHECK_FALSE(s.q.try_reserve());
}

TEST_CASE("reserve times out on an empty queue and wakes up on enqueue without polling",
          "[queue]") {
  scoped_queue s{shared_client()};
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(s.q.reserve(300ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 290ms);

  std::thread producer([&] {
    std::this_thread::sleep_for(300ms);
    s.q.enqueue("late");
  });
  t0 = std::chrono::steady_clock::now();
  auto j = s.q.reserve(10s);
  const auto waited = std::chrono::steady_clock::now() - t0;
  producer.join();
  REQUIRE(j);
  CHECK(j->payload == "late");
  CHECK(waited < 3s);  // woken by the doorbell, not by the 10 s timeout
  CHECK(s.q.ack(*j));
}

TEST_CASE("higher priority first, FIFO within a priority", "[queue]") {
  scoped_queue s{shared_client()};
  s.q.enqueue("low-1", {.priority = -5});
  s.q.enqueue("normal-1");
  s.q.enqueue("high-1", {.priority = 10});
  s.q.enqueue("normal-2");
  s.q.enqueue("high-2", {.priority = 10});
  s.q.enqueue("low-2", {.priority = -5});
  std::vector<std::string> order;
  while (auto j = s.q.try_reserve()) {
    order.push_back(j->payload);
    CHECK(s.q.ack(*j));
  }
  CHECK(order ==
        std::vector<std::string>{"high-1", "high-2", "normal-1", "normal-2", "low-1", "low-2"});
  CHECK_THROWS_AS(s.q.enqueue("x", {.priority = 101}), std::invalid_argument);
}

TEST_CASE("enqueue_many pipelines and keeps order", "[queue]") {
  scoped_queue s{shared_client()};
  std::vector<std::string> payloads;
  for (int i = 0; i < 100; ++i) payloads.push_back("p" + std::to_string(i));
  const auto ids = s.q.enqueue_many(payloads);
  REQUIRE(ids.size() == 100);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 100);
  for (int i = 0; i < 100; ++i) {
    auto j = s.q.try_reserve();
    REQUIRE(j);
    CHECK(j->payload == payloads[static_cast<std::size_t>(i)]);
    CHECK(j->id == ids[static_cast<std::size_t>(i)]);
    CHECK(s.q.ack(*j));
  }
}

TEST_CASE("every operation survives SCRIPT FLUSH (NOSCRIPT reload, pipelined too)", "[queue]") {
  scoped_queue s{shared_client()};
  (void)shared_client().command({"SCRIPT", "FLUSH"});
  const std::vector<std::string> payloads{"a", "b", "c"};
  CHECK(s.q.enqueue_many(payloads).size() == 3);
  (void)shared_client().command({"SCRIPT", "FLUSH"});
  auto j = s.q.reserve(1s);
  REQUIRE(j);
  (void)shared_client().command({"SCRIPT", "FLUSH"});
  CHECK(s.q.ack(*j));
  CHECK(s.q.stats().ready == 2);
}

TEST_CASE("delayed jobs are not served early", "[queue]") {
  scoped_queue s{shared_client()};
  s.q.enqueue("later", {.delay = 600ms});
  s.q.enqueue("at", {.run_at = std::chrono::system_clock::now() + 400ms});
  CHECK(s.q.stats().scheduled == 2);
  CHECK_FALSE(s.q.try_reserve());
  const auto due = s.q.next_due();
  REQUIRE(due);
  CHECK(*due > std::chrono::system_clock::now() + 100ms);

  const auto t0 = std::chrono::steady_clock::now();
  auto a = s.q.reserve(5s);
  REQUIRE(a);
  CHECK(a->payload == "at");
  CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);
  auto b = s.q.reserve(5s);
  REQUIRE(b);
  CHECK(b->payload == "later");
  CHECK(std::chrono::steady_clock::now() - t0 >= 500ms);
  CHECK(s.q.ack(*a));
  CHECK(s.q.ack(*b));
}

TEST_CASE("a dedup key makes a second enqueue a no-op while the first is pending", "[queue]") {
  scoped_queue s{shared_client()};
  const auto first = s.q.enqueue("one", {.dedup_key = "user:42"});
  CHECK(s.q.enqueue("two", {.dedup_key = "user:42"}) == first);
  CHECK(s.q.stats().ready == 1);
  auto j = s.q.reserve(1s);
  REQUIRE(j);
  CHECK(j->dedup_key == "user:42");
  CHECK(s.q.enqueue("three", {.dedup_key = "user:42"}) == first);  // in flight = pending
  CHECK(s.q.ack(*j));
  const auto next = s.q.enqueue("four", {.dedup_key = "user:42"});
  CHECK(next != first);
  CHECK(s.q.stats().ready == 1);
}

TEST_CASE("fail retries with backoff, then dead-letters with metadata", "[queue]") {
  scoped_queue s{shared_client()};
  const auto id = s.q.enqueue("poison", {.priority = 3});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto j = s.q.reserve(5s);
    REQUIRE(j);
    CHECK(j->id == id);
    CHECK(j->attempts == attempt);
    if (attempt > 1) CHECK(j->last_error == "boom " + std::to_string(attempt - 1));
    const auto r = s.q.fail(*j, "boom " + std::to_string(attempt));
    if (attempt < 3) {
      CHECK(r.outcome == fq::fail_outcome::retry_scheduled);
      REQUIRE(r.retry_at);
      CHECK(s.q.stats().scheduled == 1);
      CHECK_FALSE(s.q.try_reserve());  // the backoff (>= 50 ms) has not passed
    } else {
      CHECK(r.outcome == fq::fail_outcome::dead_lettered);
    }
    CHECK(s.q.fail(*j, "again").outcome == fq::fail_outcome::lease_lost);
  }
  const auto st = s.q.stats();
  CHECK(st.dead == 1);
  CHECK(st.failed == 3);
  CHECK(st.retried == 2);
  CHECK(st.dead_lettered == 1);
  const auto dead = s.q.list_dead();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].id == id);
  CHECK(dead[0].payload == "poison");
  CHECK(dead[0].error == "boom 3");
  CHECK(dead[0].attempts == 3);
  CHECK(dead[0].priority == 3);
  CHECK(dead[0].queue == s.q.name());
  CHECK(dead[0].worker == "test-worker");
  CHECK(dead[0].first_failure <= dead[0].last_failure);
  CHECK(dead[0].last_failure <= dead[0].dead_at);
  CHECK(dead[0].enqueued_at <= dead[0].first_failure);
  CHECK(ferry::queue::dead_counts(shared_client()).at(s.q.name()) == 1);
}

TEST_CASE("fail_permanently dead-letters at once; DLQ requeue round trip", "[queue]") {
  scoped_queue s{shared_client()};
  const auto id = s.q.enqueue("bad", {.dedup_key = "k"});
  auto j = s.q.reserve(1s);
  REQUIRE(j);
  CHECK(s.q.fail_permanently(*j, "undecodable").outcome == fq::fail_outcome::dead_lettered);
  CHECK(s.q.dead_count() == 1);
  CHECK(s.q.enqueue("fresh", {.dedup_key = "k"}) != id);  // a dead job no longer dedups

  CHECK(s.q.requeue_dead(id));
  CHECK_FALSE(s.q.requeue_dead(id));
  CHECK(s.q.dead_count() == 0);
  std::set<std::string> seen;
  while (auto r = s.q.try_reserve()) {
    if (r->id == id) {
      CHECK(r->attempts == 1);  // attempts start over after a requeue
      CHECK(r->payload == "bad");
    }
    seen.insert(r->id);
    CHECK(s.q.ack(*r));
  }
  CHECK(seen.count(id) == 1);
  CHECK(seen.size() == 2);
}

TEST_CASE("DLQ paging, requeue all, delete, purge", "[queue]") {
  auto o = fast_options();
  o.batch = 4;  // exercise the batched loops
  scoped_queue s{shared_client(), o};
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(s.q.enqueue("d" + std::to_string(i)));
    auto j = s.q.try_reserve();
    REQUIRE(j);
    (void)s.q.fail_permanently(*j, "e" + std::to_string(i));
  }
  CHECK(s.q.dead_count() == 10);
  const auto page1 = s.q.list_dead(0, 4);
  const auto page3 = s.q.list_dead(8, 4);
  REQUIRE(page1.size() == 4);
  REQUIRE(page3.size() == 2);
  std::set<std::string> all;
  for (std::size_t off = 0; off < 10; off += 3) {
    for (const auto& d : s.q.list_dead(off, 3)) all.insert(d.id);
  }
  CHECK(all.size() == 10);

  CHECK(s.q.delete_dead(ids[0]));
  CHECK_FALSE(s.q.delete_dead(ids[0]));
  CHECK(s.q.requeue_all_dead() == 9);
  CHECK(s.q.stats().ready == 9);
  while (auto j = s.q.try_reserve()) (void)s.q.fail_permanently(*j, "again");
  CHECK(s.q.purge_dead() == 9);
  const auto st = s.q.stats();
  CHECK(st.dead == 0);
  CHECK(st.ready == 0);
}

TEST_CASE("dead letters older than the retention are trimmed", "[queue]") {
  auto o = fast_options();
  o.dlq_retention = 300ms;
  scoped_queue s{shared_client(), o};
  s.q.enqueue("old");
  auto j = s.q.try_reserve();
  REQUIRE(j);
  (void)s.q.fail_permanently(*j, "x");
  CHECK(s.q.trim_dead() == 0);  // too young
  std::this_thread::sleep_for(400ms);
  s.q.enqueue("young");
  auto k = s.q.try_reserve();
  REQUIRE(k);
  (void)s.q.fail_permanently(*k, "y");
  CHECK(s.q.trim_dead() == 1);
  const auto dead = s.q.list_dead();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].payload == "young");
}

TEST_CASE("an expired lease is recovered, counted, and the old holder loses it", "[queue]") {
  scoped_queue s{shared_client()};
  s.q.enqueue("slow");
  auto a = s.q.reserve(1s, 200ms);
  REQUIRE(a);
  auto ext = *a;
  CHECK(s.q.extend(ext, 300ms));
  CHECK(ext.lease_until > a->lease_until);
  const auto due = s.q.next_due();
  REQUIRE(due);

  auto b = s.q.reserve(3s);  // waits for the lease end, then recovers the job itself
  REQUIRE(b);
  CHECK(b->id == a->id);
  CHECK(b->attempts == 2);
  REQUIRE(b->last_error);
  CHECK(b->last_error->find("lease expired") != std::string::npos);
  CHECK_FALSE(s.q.ack(*a));
  CHECK_FALSE(s.q.extend(ext));
  CHECK(s.q.fail(*a, "late").outcome == fq::fail_outcome::lease_lost);
  CHECK(s.q.ack(*b));
  CHECK(s.q.stats().recovered == 1);
}

TEST_CASE("scheduler promotes due jobs and recovers stale ones without workers", "[queue]") {
  scoped_queue s{shared_client()};
  s.q.enqueue("delayed", {.delay = 100ms});
  s.q.enqueue("held");
  auto h = s.q.try_reserve(100ms);
  REQUIRE(h);
  fq::scheduler sched{{&s.q}, {.max_sleep = 50ms}};
  CHECK(sched.run_once().promoted == 0);
  std::this_thread::sleep_for(250ms);
  const auto r = sched.run_once();
  CHECK(r.promoted == 1);
  CHECK(r.recovered == 1);
  CHECK(s.q.stats().ready == 2);

  s.q.enqueue("bg", {.delay = 100ms});
  sched.start();
  CHECK(ferry::test::wait_until([&] { return s.q.stats().ready == 3; }, 3s));
  sched.stop();
  CHECK_FALSE(s.q.next_due());
}

TEST_CASE("a recovered job whose last attempt expired goes to the DLQ", "[queue]") {
  scoped_queue s{shared_client()};
  s.q.enqueue("once", {.max_attempts = 1});
  auto j = s.q.try_reserve(50ms);
  REQUIRE(j);
  std::this_thread::sleep_for(120ms);
  CHECK(s.q.recover_stale() == 1);
  const auto dead = s.q.list_dead();
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].error.find("lease expired") != std::string::npos);
}

TEST_CASE("a worker killed with SIGKILL while holding a job: the job is recovered and done",
          "[queue][fault]") {
  scoped_queue s{shared_client()};
  const auto id = s.q.enqueue("survivor");
  ferry::test::child_process worker(
      {FERRY_QUEUE_TEST_WORKER, "hold", ferry::test::shared_redis_url(), s.q.name(), "500"}, {});
  std::string held;
  REQUIRE(ferry::test::wait_until(
      [&] {
        held = shared_client()
                   .command({"GET", s.q.name() + ":held"})
                   .as_optional_string()
                   .value_or("");
        return !held.empty();
      },
      10s));
  CHECK(held == id);
  worker.signal_group(SIGKILL);
  CHECK(worker.wait_for_exit(5s));
  CHECK(s.q.stats().in_flight == 1);

  auto j = s.q.reserve(5s);
  REQUIRE(j);
  CHECK(j->id == id);
  CHECK(j->attempts == 2);
  CHECK(s.q.ack(*j));
  shared_client().command({"DEL", s.q.name() + ":held"});
}

namespace {

// Enqueues the payloads "0" .. "total - 1", a thousand per call; returns the job ids.
std::set<std::string> enqueue_numbered(fq::queue& q, int total) {
  std::set<std::string> ids;
  for (int chunk = 0; chunk < total / 1000; ++chunk) {
    std::vector<std::string> payloads;
    for (int i = 0; i < 1000; ++i) payloads.push_back(std::to_string(chunk * 1000 + i));
    for (auto& id : q.enqueue_many(payloads)) ids.insert(id);
  }
  return ids;
}

// The ids in the dead-letter queue, read page by page, each checked to have died after
// `attempts`; `entries` counts the entries (a job listed twice shows as more entries than ids).
std::set<std::string> dead_letter_ids(fq::queue& q, int attempts, std::size_t& entries) {
  std::set<std::string> dead;
  for (std::size_t off = 0;; off += 500) {
    auto page = q.list_dead(off, 500);
    if (page.empty()) break;
    entries += page.size();
    for (auto& d : page) {
      CHECK(d.attempts == attempts);
      dead.insert(d.id);
    }
  }
  return dead;
}

}  // namespace

TEST_CASE("10,000 jobs, 4 worker processes, random failures, Redis killed mid-run: none lost",
          "[queue][fault][soak]") {
  ferry::test::redis_server server({.args = {}, .appendonly = true, .appendfsync = "always"});
  auto copts = ferry::redis::parse_url(server.url());
  copts.pool.reconnect_backoff_base = 20ms;
  copts.pool.reconnect_backoff_max = 200ms;
  ferry::redis::client redis{copts};
  auto qo = fast_options();
  qo.retry.base = 10ms;
  qo.retry.cap = 50ms;
  qo.lease = 5s;
  fq::queue q{redis, "soak", qo};
  constexpr int total = 10000;
  const std::set<std::string> ids = enqueue_numbered(q, total);
  REQUIRE(ids.size() == total);

  std::vector<ferry::test::child_process> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back(std::vector<std::string>{FERRY_QUEUE_TEST_WORKER, "work", server.url(),
                                                  "soak", "10", std::to_string(1000 + w)},
                         ferry::test::spawn_options{});
  }
  auto safe_stats = [&]() -> std::optional<fq::queue_stats> {
    try {
      return q.stats();
    } catch (const ferry::error&) {
      return std::nullopt;
    }
  };
  REQUIRE(ferry::test::wait_until(
      [&] {
        auto st = safe_stats();
        return st && st->processed >= 3000;
      },
      60s, 50ms));
  server.kill();  // SIGKILL mid-run: AOF (fsync always) must hold every acknowledged change
  std::this_thread::sleep_for(300ms);
  server.start();

  const bool finished = ferry::test::wait_until(
      [&] {
        auto st = safe_stats();
        return st && st->ready == 0 && st->in_flight == 0 && st->scheduled == 0;
      },
      90s, 100ms);
  try {
    redis.command({"SET", "soak:stop", "1"});
  } catch (...) {
  }
  for (auto& w : workers) {
    if (!w.wait_for_exit(10s)) w.terminate(1s);
  }
  REQUIRE(finished);

  std::set<std::string> done;
  for (auto& e : redis.command({"HKEYS", "soak:done"}).elements()) done.insert(e.as_string());
  std::size_t dead_entries = 0;
  const std::set<std::string> dead = dead_letter_ids(q, 3, dead_entries);
  std::vector<std::string> both;
  std::set_intersection(done.begin(), done.end(), dead.begin(), dead.end(),
                        std::back_inserter(both));
  std::set<std::string> all = done;
  all.insert(dead.begin(), dead.end());
  const auto dupes = redis.command({"GET", "soak:dupes"}).as_optional_string().value_or("0");
  INFO("done=" << done.size() << " dead=" << dead.size() << " duplicate deliveries=" << dupes);
  CHECK(dead_entries == dead.size());  // each dead job once
  CHECK(both.empty());                 // never both acked and dead
  CHECK(all == ids);                   // every job accounted for, none lost, none invented
  CHECK(!dead.empty());                // 10% failures x 3 attempts: ~10 dead expected
  WARN("soak: done=" << done.size() << " dead=" << dead.size() << " duplicates=" << dupes);
}

TEST_CASE("a sleeping scheduler wakes when a job is scheduled earlier than its wake-up",
          "[queue][scheduler]") {
  scoped_queue s{shared_client()};
  fq::scheduler sched{{&s.q}, {.max_sleep = 10s}};
  sched.start();
  std::this_thread::sleep_for(200ms);  // nothing due: it now sleeps up to 10 s
  const auto t0 = std::chrono::steady_clock::now();
  s.q.enqueue("soon", {.delay = 300ms});
  REQUIRE(ferry::test::wait_until([&] { return s.q.stats().ready == 1; }, 5s));
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 300ms);
  CHECK(took < 2s);  // not the 10 s max_sleep

  // A retry scheduled by fail() wakes it too.
  auto j = s.q.try_reserve();
  REQUIRE(j);
  const auto t1 = std::chrono::steady_clock::now();
  REQUIRE(s.q.fail(*j, "boom").outcome == fq::fail_outcome::retry_scheduled);  // 50 ms backoff
  REQUIRE(ferry::test::wait_until([&] { return s.q.stats().ready == 1; }, 5s));
  CHECK(std::chrono::steady_clock::now() - t1 < 2s);

  // stop() interrupts the blocking wait at once.
  std::this_thread::sleep_for(100ms);
  const auto t2 = std::chrono::steady_clock::now();
  sched.stop();
  CHECK(std::chrono::steady_clock::now() - t2 < 1s);
}

TEST_CASE("until_next_due is measured on the server clock", "[queue][scheduler]") {
  scoped_queue s{shared_client()};
  CHECK_FALSE(s.q.until_next_due());
  s.q.enqueue("later", {.delay = 5s});
  const auto d = s.q.until_next_due();
  REQUIRE(d);
  CHECK(*d > 4s);
  CHECK(*d <= 5s);
}

TEST_CASE("a discovering scheduler serves queues first used after it started",
          "[queue][scheduler]") {
  fq::queue_options o = fast_options();
  o.key_prefix = ferry::test::unique_name("ferry:disc");
  std::vector<std::vector<std::string>> seen;
  fq::scheduler sched{
      shared_client(),
      o,
      {.max_sleep = 50ms,
       .discovery_interval = 0ms,
       .on_discover = [&seen](const std::vector<std::string>& names) { seen.push_back(names); }}};
  CHECK(sched.run_once().promoted == 0);  // nothing known under the prefix yet
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].empty());

  scoped_queue a{shared_client(), o};
  a.q.enqueue("later", {.delay = 50ms});
  std::this_thread::sleep_for(150ms);
  CHECK(sched.run_once().promoted == 1);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == std::vector<std::string>{a.q.name()});
  CHECK(a.q.stats().ready == 1);

  // In the background too, and an unchanged list is not reported again.
  a.q.enqueue("bg", {.delay = 50ms});
  sched.start();
  CHECK(ferry::test::wait_until([&] { return a.q.stats().ready == 2; }, 3s));
  sched.stop();
  CHECK(seen.size() == 2);
  CHECK_THROWS_AS((fq::scheduler{shared_client(), o, {.discovery_interval = -1ms}}),
                  std::invalid_argument);
}

TEST_CASE("two schedulers promote each due job exactly once", "[queue][scheduler]") {
  scoped_queue s{shared_client()};
  constexpr std::size_t n = 300;
  std::vector<std::string> payloads;
  for (std::size_t i = 0; i < n; ++i) payloads.push_back("job-" + std::to_string(i));
  s.q.enqueue_many(payloads, {.delay = 200ms});
  fq::queue_options small = fast_options();
  small.batch = 7;  // many small script calls, so the two really interleave
  fq::queue q2{shared_client(), s.q.name(), small};
  fq::queue q3{shared_client(), s.q.name(), small};
  fq::scheduler a{{&q2}};
  fq::scheduler b{{&q3}};
  std::this_thread::sleep_for(250ms);
  std::atomic<std::size_t> promoted{0};
  auto run = [&promoted](fq::scheduler& sc) {
    for (int i = 0; i < 50; ++i) promoted += sc.run_once().promoted;
  };
  std::thread ta{run, std::ref(a)};
  std::thread tb{run, std::ref(b)};
  ta.join();
  tb.join();
  CHECK(promoted.load() == n);
  const auto st = s.q.stats();
  CHECK(st.ready == static_cast<std::int64_t>(n));
  CHECK(st.scheduled == 0);
  std::set<std::string> seen;
  while (auto j = s.q.try_reserve()) {
    CHECK(seen.insert(j->payload).second);
    s.q.ack(*j);
  }
  CHECK(seen.size() == n);
}

TEST_CASE("reserve_many, ack_many and ack_and_reserve lease and ack many jobs per round trip",
          "[queue][batch]") {
  scoped_queue s{shared_client()};
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(s.q.enqueue(std::to_string(i), {.priority = i % 2}));
  auto first = s.q.reserve_many(4, 1s);
  REQUIRE(first.size() == 4);
  // Priority 1 first (odd payloads), FIFO within it; every lease has its own token.
  CHECK(first[0].payload == "1");
  CHECK(first[1].payload == "3");
  CHECK(first[3].payload == "7");
  std::set<std::string> tokens;
  for (const auto& j : first) {
    tokens.insert(j.lease_token);
    CHECK(j.attempts == 1);
    CHECK(j.lease_until > fq::clock::now());
  }
  CHECK(tokens.size() == 4);
  CHECK(s.q.stats().in_flight == 4);

  auto next = s.q.ack_and_reserve(first, 100);
  CHECK(next.acked == 4);
  REQUIRE(next.jobs.size() == 6);
  CHECK(next.jobs[0].payload == "9");
  CHECK(next.jobs[1].payload == "0");
  CHECK(s.q.ack_many(first) == 0);  // already acked: the leases are gone
  // A token from another delivery does not ack: change one and only 5 are ours.
  auto wrong = next.jobs;
  wrong[2].lease_token += "x";
  CHECK(s.q.ack_many(wrong) == 5);
  CHECK(s.q.ack(next.jobs[2]));
  const auto st = s.q.stats();
  CHECK(st.processed == 10);
  CHECK(st.ready == 0);
  CHECK(st.in_flight == 0);

  const auto t0 = std::chrono::steady_clock::now();
  CHECK(s.q.reserve_many(5, 150ms).empty());
  CHECK(std::chrono::steady_clock::now() - t0 >= 140ms);
  CHECK(s.q.try_reserve_many(5).empty());
  CHECK_THROWS_AS(s.q.reserve_many(0, 1s), std::invalid_argument);
}

TEST_CASE("reserve_many wakes up on enqueue and stale leases come back like reserve()'s",
          "[queue][batch]") {
  auto o = fast_options();
  scoped_queue s{shared_client(), o};
  std::thread producer([&] {
    std::this_thread::sleep_for(100ms);
    s.q.enqueue("late");
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto got = s.q.reserve_many(8, 5s, 200ms);
  producer.join();
  REQUIRE(got.size() == 1);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  // Not acked: after the 200 ms lease it is recovered as a failed attempt.
  auto again = s.q.reserve_many(8, 3s);
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == got[0].id);
  CHECK(again[0].attempts == 2);
  CHECK(s.q.ack_many(got) == 0);
  CHECK(s.q.ack_many(again) == 1);
}

TEST_CASE("worker: every job handled, failures retried then acked, permanent ones dead",
          "[queue][worker]") {
  scoped_queue s{shared_client()};
  constexpr int total = 300;
  std::vector<std::string> payloads;
  for (int i = 0; i < total; ++i) payloads.push_back(std::to_string(i));
  (void)s.q.enqueue_many(payloads);
  const auto poison = s.q.enqueue("poison");
  std::mutex m;
  std::map<std::string, int> runs;  // payload -> deliveries
  std::atomic<int> failures{0};
  fq::worker w{s.q,
               [&](const fq::job& j) {
                 int n = 0;
                 {
                   std::lock_guard lock{m};
                   n = ++runs[j.payload];
                 }
                 if (j.payload == "poison") throw fq::permanent_failure("cannot decode");
                 // Every 10th job fails its first attempt.
                 if (n == 1 && std::stoi(j.payload) % 10 == 0) throw std::runtime_error("flaky");
               },
               {.concurrency = 4,
                .prefetch = 8,
                .on_failure = [&](const fq::job&, std::string_view) { ++failures; }}};
  w.start();
  CHECK(w.running());
  REQUIRE(ferry::test::wait_until([&] { return s.q.stats().processed == total; }, 20s, 20ms));
  w.stop();
  CHECK_FALSE(w.running());
  const auto st = s.q.stats();
  CHECK(st.ready == 0);
  CHECK(st.in_flight == 0);
  CHECK(st.scheduled == 0);
  CHECK(st.dead == 1);
  CHECK(s.q.list_dead().at(0).id == poison);
  CHECK(failures.load() == total / 10 + 1);
  const auto ws = w.stats();
  CHECK(ws.acked == total);
  CHECK(ws.failed == total / 10 + 1);
  CHECK(ws.round_trips < ws.acked);  // acks and leases shared round trips
  std::lock_guard lock{m};
  CHECK(runs.size() == total + 1);
  for (int i = 0; i < total; ++i) CHECK(runs[std::to_string(i)] == (i % 10 == 0 ? 2 : 1));
}

TEST_CASE("worker: stop() finishes and acks the jobs it already leased", "[queue][worker]") {
  scoped_queue s{shared_client()};
  std::vector<std::string> payloads(50, "x");
  (void)s.q.enqueue_many(payloads);
  std::atomic<int> handled{0};
  fq::worker w{s.q,
               [&](const fq::job&) {
                 std::this_thread::sleep_for(5ms);
                 ++handled;
               },
               {.concurrency = 2, .prefetch = 10}};
  w.start();
  REQUIRE(ferry::test::wait_until([&] { return handled.load() >= 5; }, 5s, 1ms));
  w.stop();
  const auto st = s.q.stats();
  CHECK(st.in_flight == 0);  // nothing left leased
  CHECK(st.processed == handled.load());
  CHECK(st.ready == 50 - handled.load());
}

TEST_CASE("worker: long jobs keep their lease (extended while running)", "[queue][worker]") {
  scoped_queue s{shared_client()};
  (void)s.q.enqueue("slow");
  std::atomic<int> runs{0};
  fq::worker w{s.q,
               [&](const fq::job&) {
                 ++runs;
                 std::this_thread::sleep_for(2500ms);
               },
               {.concurrency = 1, .lease = 1s}};
  w.start();
  REQUIRE(ferry::test::wait_until([&] { return s.q.stats().processed == 1; }, 10s, 10ms));
  w.stop();
  CHECK(runs.load() == 1);
  CHECK(s.q.stats().recovered == 0);
}

TEST_CASE("a worker process killed with prefetched jobs: all of them recovered and processed",
          "[queue][worker][fault]") {
  scoped_queue s{shared_client()};
  std::vector<std::string> payloads;
  for (int i = 0; i < 20; ++i) payloads.push_back(std::to_string(i));
  const auto ids = s.q.enqueue_many(payloads);
  ferry::test::child_process child(
      {FERRY_QUEUE_TEST_WORKER, "prefetch", ferry::test::shared_redis_url(), s.q.name(), "1000"},
      {});
  // One job running (hung) and 8 prefetched: 9 leased by the child.
  REQUIRE(ferry::test::wait_until(
      [&] {
        return shared_client().command({"EXISTS", s.q.name() + ":held"}).as_integer() == 1 &&
               s.q.stats().in_flight == 9;
      },
      10s, 10ms));
  child.signal_group(SIGKILL);
  CHECK(child.wait_for_exit(5s));

  std::mutex m;
  std::map<std::string, int> attempts;
  fq::worker w{s.q,
               [&](const fq::job& j) {
                 std::lock_guard lock{m};
                 attempts[j.id] = j.attempts;
               },
               {.concurrency = 2}};
  w.start();
  REQUIRE(ferry::test::wait_until([&] { return s.q.stats().processed == 20; }, 15s, 20ms));
  w.stop();
  std::lock_guard lock{m};
  CHECK(attempts.size() == ids.size());
  int recovered = 0;
  for (auto& [id, a] : attempts) recovered += a == 2 ? 1 : 0;
  CHECK(recovered == 9);  // the child's leases, each an attempt used up by the crash
  CHECK(s.q.stats().recovered == 9);
  shared_client().command({"DEL", s.q.name() + ":held"});
}
