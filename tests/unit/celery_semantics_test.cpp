// Celery's task semantics as pure functions (task_semantics.hpp), checked against what Celery
// 5.2.6 itself did in the captured worker run: the requests are the producer's messages from
// the MONITOR transcript; the expected messages are the worker's own LPUSHes there (retries,
// callbacks, chain steps, errbacks) and the expected metas its SETEXes.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "celery_test_data.hpp"
#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/celery/protocol/kombu_redis.hpp"
#include "ferry/celery/task_semantics.hpp"

namespace fc = ferry::celery;
namespace fp = ferry::celery::protocol;
using fc::json;
using namespace std::chrono_literals;

namespace {

// The message the transcript LPUSHed for task `id` with `retries`, parsed.
fc::task_request captured(const std::string& id, long long retries = 0) {
  const auto v = celery_test::load("worker_redis_redis_transcript.json");
  for (const auto& cmd : v["commands"]) {
    const auto& args = cmd["args"];
    if (args[0] != "LPUSH" || args[1] != "celery") continue;
    try {
      const auto req =
          fp::parse_message(fp::from_kombu_redis_json(args[2].get<std::string>()).message);
      if (req.id == id && req.retries == retries) return req;
    } catch (const std::exception&) {
      // hand-made and broken messages of the run
    }
  }
  throw std::runtime_error("no captured message " + id);
}

// The `index`th meta Celery stored for `task_id` in `file`.
fc::task_result celery_meta(const std::string& file, const std::string& task_id,
                            std::size_t index = 0) {
  const auto v = celery_test::load(file);  // kept: the loop runs over a part of it
  for (const auto& r : v["results"])
    if (r["task_id"] == task_id)
      return fc::task_result::from_json(
          r["published_in_order"][index]["raw_text"].get<std::string>());
  throw std::runtime_error("no meta for " + task_id);
}

template <class T>
std::vector<T> only(const fc::task_effects& effects) {
  std::vector<T> out;
  for (const auto& e : effects)
    if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
  return out;
}

// Where the effect of type T first appears (effects.size() if none).
template <class T>
std::size_t first(const fc::task_effects& effects) {
  for (std::size_t i = 0; i < effects.size(); ++i)
    if (std::holds_alternative<T>(effects[i])) return i;
  return effects.size();
}

fc::task_policy policy(std::vector<std::string> ids = {}) {
  fc::task_policy p{.hostname = "w1@capture"};
  p.new_id = [ids = std::move(ids), n = std::size_t{0}]() mutable {
    return n < ids.size() ? ids[n++] : fp::new_task_id();
  };
  return p;
}

const fc::task_origin celery_queue{"celery", 0};

void check_same_call(const fc::task_request& ours, const fc::task_request& celery) {
  CHECK(ours.task == celery.task);
  CHECK(ours.id == celery.id);
  CHECK(ours.args == celery.args);
  CHECK(ours.kwargs == celery.kwargs);
  CHECK(ours.retries == celery.retries);
  CHECK(ours.parent_id == celery.parent_id);
  CHECK(ours.root_id == celery.root_id);
}

}  // namespace

TEST_CASE("semantics: success with a link callback, as Celery's worker did",
          "[celery][semantics][vectors]") {
  const auto req = captured("00000000-0000-4000-9000-000000000007");  // add(2, 2), link mul(10)
  const auto celery = celery_meta("worker_redis_link_callback.json", req.id);
  const std::string callback_id = "bfcbf4f7-f4a8-4bd4-a7a3-7c8c02d03ffa";
  const auto effects = fc::on_outcome(req, celery_queue, fc::task_succeeded{json(4)},
                                      policy({callback_id}), *celery.date_done);
  // trace.py: the callback is published before the SUCCESS is stored.
  CHECK(first<fc::publish_effect>(effects) < first<fc::store_effect>(effects));
  const auto published = only<fc::publish_effect>(effects);
  REQUIRE(published.size() == 1);
  CHECK(published[0].queue == "celery");
  check_same_call(fp::parse_message(published[0].message), captured(callback_id));
  const auto stored = only<fc::store_effect>(effects);
  REQUIRE(stored.size() == 1);
  CHECK_FALSE(stored[0].immediately);
  CHECK(stored[0].result.to_json() == celery.to_json());  // byte for byte, children included
}

TEST_CASE("semantics: a chain publishes its next step carrying the rest",
          "[celery][semantics][vectors]") {
  const auto req =
      captured("c862457c-291a-493f-a0af-c512cd047a95");  // chain(add(1,2), add(3), mul(4))
  const auto celery = celery_meta("worker_redis_chain.json", req.id);
  const auto effects =
      fc::on_outcome(req, celery_queue, fc::task_succeeded{json(3)}, policy(), *celery.date_done);
  const auto published = only<fc::publish_effect>(effects);
  REQUIRE(published.size() == 1);
  const auto next = fp::parse_message(published[0].message);
  const auto celery_next = captured("b8c5bba2-7aec-426d-af33-dbb512671def");
  check_same_call(next, celery_next);
  REQUIRE(next.chain.has_value());
  REQUIRE(celery_next.chain.has_value());
  REQUIRE(next.chain->size() == 1);
  CHECK(next.chain->at(0).task == celery_next.chain->at(0).task);
  CHECK(next.chain->at(0).options["task_id"] == celery_next.chain->at(0).options["task_id"]);
  CHECK(only<fc::store_effect>(effects).at(0).result.to_json() == celery.to_json());
}

TEST_CASE("semantics: retry republishes the same id with retries+1, then stores RETRY",
          "[celery][semantics][vectors]") {
  const auto req = captured("00000000-0000-4000-9000-000000000003");  // flaky(2)
  // Microseconds: what an ISO 8601 eta keeps.
  const std::chrono::system_clock::time_point now =
      std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  const fc::exception_info exc{"KeyError", json::array({"not yet", 0}), "builtins"};
  const auto effects =
      fc::on_outcome(req, celery_queue, fc::task_retry_requested{1s, exc, {}}, policy(), now);
  CHECK(first<fc::publish_effect>(effects) < first<fc::store_effect>(effects));
  const auto published = only<fc::publish_effect>(effects);
  REQUIRE(published.size() == 1);
  const auto again = fp::parse_message(published[0].message);
  check_same_call(again, captured(req.id, 1));
  CHECK(again.eta == now + 1s);
  const auto celery = celery_meta("worker_redis_retry_then_success.json", req.id);
  const auto stored = only<fc::store_effect>(effects).at(0).result;
  CHECK(stored.status == celery.status);
  CHECK(stored.result == celery.result);
  CHECK(stored.children == celery.children);
  CHECK_FALSE(stored.date_done.has_value());
}

TEST_CASE("semantics: past max_retries the retry's exception is the FAILURE",
          "[celery][semantics][vectors]") {
  const auto req = captured("00000000-0000-4000-9000-000000000004", 1);  // retry_forever
  const auto celery = celery_meta("worker_redis_retry_then_failure.json", req.id, 1);
  const fc::exception_info exc{"RuntimeError", json::array({"gave up"}), "builtins"};
  auto p = policy();
  p.max_retries = 1;
  const auto effects = fc::on_outcome(req, celery_queue, fc::task_retry_requested{1s, exc, {}}, p,
                                      *celery.date_done);
  CHECK(only<fc::publish_effect>(effects).empty());
  const auto stored = only<fc::store_effect>(effects).at(0).result;
  CHECK(stored.status == "FAILURE");
  CHECK(stored.result == celery.result);
  CHECK(stored.parent_id == celery.parent_id);
  // Without an exception of its own: MaxRetriesExceededError.
  const auto bare =
      fc::on_outcome(req, celery_queue, fc::task_retry_requested{}, p, *celery.date_done);
  CHECK(only<fc::store_effect>(bare).at(0).result.exception()->type == "MaxRetriesExceededError");
}

TEST_CASE("semantics: a failure with errbacks is stored first, then the errbacks get its id",
          "[celery][semantics][vectors]") {
  const auto req = captured("00000000-0000-4000-9000-000000000014");  // fail, link_error
  const auto celery = celery_meta("worker_redis_link_error_errback_published.json", req.id);
  const fc::exception_info exc{"ValueError", json::array({"to errback 2", 42}), "builtins"};
  const auto effects =
      fc::on_outcome(req, celery_queue, fc::task_raised{exc, "ValueError"},
                     policy({"1057634a-df94-4a0c-99fb-8000e70da343"}), *celery.date_done);
  CHECK(first<fc::store_effect>(effects) < first<fc::publish_effect>(effects));
  const auto stored = only<fc::store_effect>(effects).at(0);
  CHECK(stored.immediately);
  CHECK(stored.result.status == celery.status);
  CHECK(stored.result.result == celery.result);
  const auto published = only<fc::publish_effect>(effects);
  REQUIRE(published.size() == 1);
  CHECK_FALSE(published[0].required);  // a lost errback does not undo the FAILURE
  check_same_call(fp::parse_message(published[0].message),
                  captured("1057634a-df94-4a0c-99fb-8000e70da343"));
}

TEST_CASE("semantics: a failure without errbacks is batched", "[celery][semantics]") {
  const auto req = captured("00000000-0000-4000-9000-000000000002");  // fail("bad input")
  const auto effects = fc::on_outcome(
      req, celery_queue, fc::task_raised{{"std::runtime_error", json::array({"x"}), "ferry"}, {}},
      policy(), std::chrono::system_clock::now());
  const auto stored = only<fc::store_effect>(effects);
  REQUIRE(stored.size() == 1);
  CHECK_FALSE(stored[0].immediately);
  CHECK(stored[0].result.exception()->module == "ferry");
}

TEST_CASE("semantics: ignore_result stores no SUCCESS and no RETRY", "[celery][semantics]") {
  auto req = captured("00000000-0000-4000-9000-000000000007");
  req.ignore_result = true;
  req.callbacks.reset();
  const auto now = std::chrono::system_clock::now();
  CHECK(only<fc::store_effect>(
            fc::on_outcome(req, celery_queue, fc::task_succeeded{json(1)}, policy(), now))
            .empty());
  CHECK(only<fc::store_effect>(
            fc::on_outcome(req, celery_queue, fc::task_retry_requested{1s}, policy(), now))
            .empty());
}

TEST_CASE("semantics: receiving — expired, unregistered, eta, run",
          "[celery][semantics][vectors]") {
  {
    const auto req = captured("00000000-0000-4000-9000-000000000011");  // expires in the past
    const auto celery = celery_meta("worker_redis_expired.json", req.id);
    const auto d = fc::on_receive(req, true, "celery.dlq", *celery.date_done);
    CHECK(d.action == fc::receive_action::revoke);
    CHECK(only<fc::store_effect>(d.effects).at(0).result.to_json() == celery.to_json());
  }
  {
    const auto req = captured("00000000-0000-4000-9000-000000000006");  // does_not_exist
    const auto celery = celery_meta("worker_redis_unregistered_task.json", req.id);
    const auto d = fc::on_receive(req, false, "celery.dlq", *celery.date_done);
    CHECK(d.action == fc::receive_action::reject);
    CHECK(d.reason == "unregistered task tasks.does_not_exist");
    const auto stored = only<fc::store_effect>(d.effects).at(0).result;
    CHECK(stored.result == celery.result);
    CHECK(stored.status == celery.status);
  }
  {
    const auto req = captured("00000000-0000-4000-9000-000000000009");  // countdown
    REQUIRE(req.eta.has_value());
    const auto early = fc::on_receive(req, true, "celery.dlq", *req.eta - 1s);
    CHECK(early.action == fc::receive_action::hold);
    CHECK(early.run_at == req.eta);
    CHECK(early.effects.empty());
    CHECK(fc::on_receive(req, true, "celery.dlq", *req.eta).action == fc::receive_action::run);
  }
}

TEST_CASE("semantics: STARTED meta and time limits", "[celery][semantics][vectors]") {
  const auto req = captured("00000000-0000-4000-9000-000000000005");
  const auto celery = celery_meta("worker_redis_started_then_success.json", req.id);
  CHECK(fc::started_meta(req, 15706, "w1@capture").to_json() == celery.to_json());

  const auto hard = fc::on_hard_time_limit("t1", 1500ms, std::chrono::system_clock::now());
  const auto stored = only<fc::store_effect>(hard).at(0);
  CHECK(stored.immediately);
  CHECK(*stored.result.exception() ==
        fc::exception_info{"TimeLimitExceeded", json::array({1.5}), "celery.exceptions"});

  fc::task_request r;
  CHECK(fc::limits_for(r, 1s, 2s).soft == 1s);
  r.time_limit = std::chrono::duration<double>(0.25);
  CHECK(fc::limits_for(r, 1s, 2s).hard == 250ms);
}
