#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "celery_test_data.hpp"
#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/celery/protocol/task_result.hpp"
#include "ferry/core/error.hpp"

using namespace ferry::celery::protocol;

TEST_CASE("every result meta the Celery worker wrote reads and re-encodes byte for byte",
          "[celery][result][vectors]") {
  int count = 0;
  for (const auto& name : celery_test::files("worker_redis_")) {
    const auto v = celery_test::load(name);
    if (!v.contains("results")) continue;  // the MONITOR transcript
    for (const auto& res : v["results"]) {
      for (const auto& pub : res["published_in_order"]) {
        INFO(name);
        const auto raw = pub["raw_text"].get<std::string>();
        const auto r = task_result::from_json(raw);
        CHECK(r.task_id == res["task_id"].get<std::string>());
        CHECK(pub["channel"].get<std::string>() == result_key(r.task_id));
        CHECK(r.to_json() == raw);
        CHECK(r.date_done.has_value() == is_ready_state(r.status));
        ++count;
      }
    }
  }
  CHECK(count >= 20);
}

TEST_CASE("result metas: states, exceptions, children", "[celery][result][vectors]") {
  const auto first = [](const char* file, std::size_t i = 0) {
    return task_result::from_json(
        celery_test::load(file)["results"][0]["published_in_order"][i]["raw_text"]
            .get<std::string>());
  };
  const auto failure = first("worker_redis_failure_valueerror.json");
  CHECK(failure.status == states::failure);
  REQUIRE(failure.exception().has_value());
  CHECK(*failure.exception() ==
        exception_info{.type = "ValueError", .message = json::array({"bad input", 42})});
  CHECK_THAT(*failure.traceback, Catch::Contains("ValueError: ('bad input', 42)"));

  const auto retry = first("worker_redis_retry_then_success.json");
  CHECK(retry.status == states::retry);
  CHECK_FALSE(retry.date_done.has_value());
  // The RETRY meta lists the retry message (the same task id) as its child.
  CHECK(retry.children.dump() ==
        json::parse(R"([[["00000000-0000-4000-9000-000000000003", null], null]])").dump());

  const auto started = first("worker_redis_started_then_success.json");
  CHECK(started.status == states::started);
  CHECK(started.result["hostname"] == "w1@capture");

  const auto unregistered = first("worker_redis_unregistered_task.json");
  CHECK(unregistered.exception()->module == "celery.exceptions");
  CHECK(unregistered.exception()->type == "NotRegistered");
  CHECK_FALSE(unregistered.traceback.has_value());

  const auto revoked = first("worker_redis_expired.json");
  CHECK(revoked.status == states::revoked);
  CHECK(revoked.exception()->message == json::array({"expired"}));
}

TEST_CASE("task_result builds what Celery writes", "[celery][result]") {
  using namespace std::chrono;
  const auto done =
      sys_days{year{2026} / 11 / 22} + hours{16} + minutes{7} + seconds{22} + microseconds{503284};
  auto ok = task_result::success("id-1", json{{"n", 4}, {"ratio", 0.5}}, done);
  CHECK(
      ok.to_json() ==
      R"({"status": "SUCCESS", "result": {"n": 4, "ratio": 0.5}, "traceback": null, "children": [], "date_done": "2026-11-22T16:07:22.503284", "task_id": "id-1"})");
  auto failed = task_result::failure("id-2", {.type = "KeyError", .message = json::array({"k"})},
                                     "Traceback...\n", sys_days{year{2026} / 1 / 1});
  failed.parent_id = "p";
  failed.group_id = "g";
  CHECK(
      failed.to_json() ==
      R"({"status": "FAILURE", "result": {"exc_type": "KeyError", "exc_message": ["k"], "exc_module": "builtins"}, "traceback": "Traceback...\n", "children": [], "date_done": "2026-01-01T00:00:00", "group_id": "g", "parent_id": "p", "task_id": "id-2"})");
  CHECK(task_result::from_json(failed.to_json()) == failed);
}

TEST_CASE("result_extended fields", "[celery][result]") {
  task_result r =
      task_result::success("id", 3, std::chrono::sys_days{std::chrono::year{2026} / 1 / 2});
  r.extended = extended_result_fields{.name = "tasks.add",
                                      .args = json::array({1, 2}),
                                      .kwargs = json::object(),
                                      .worker = "w1@capture",
                                      .retries = 0,
                                      .queue = "celery"};
  const auto text = r.to_json();
  CHECK(
      text ==
      R"({"status": "SUCCESS", "result": 3, "traceback": null, "children": [], "date_done": "2026-01-02T00:00:00", "name": "tasks.add", "args": [1, 2], "kwargs": {}, "worker": "w1@capture", "retries": 0, "queue": "celery", "task_id": "id"})");
  CHECK(task_result::from_json(text) == r);
  // NotRegistered failures carry all-null extended fields.
  const auto nulls = task_result::from_json(
      R"({"status": "FAILURE", "result": null, "traceback": null, "children": [], "date_done": null, "name": null, "args": null, "kwargs": null, "worker": null, "retries": null, "queue": null, "task_id": "x"})");
  REQUIRE(nulls.extended.has_value());
  CHECK_FALSE(nulls.extended->name.has_value());
  CHECK(nulls.to_json().find(R"("queue": null, "task_id": "x")") != std::string::npos);
}

TEST_CASE("result metas from later Celery versions and bad input", "[celery][result]") {
  // 5.4 writes an aware date_done; unknown keys are kept.
  const auto r = task_result::from_json(
      R"({"status": "PROGRESS", "result": {"done": 3}, "traceback": null, "children": [], "date_done": "2026-01-01T00:00:00+00:00", "stamps": {"a": 1}, "task_id": "x"})");
  CHECK(r.status == "PROGRESS");
  CHECK_FALSE(is_ready_state(r.status));
  CHECK(r.extra.contains("stamps"));
  CHECK(r.date_done == parse_iso8601("2026-01-01T00:00:00"));
  for (const char* bad : {"nope", "[]", R"({"task_id": "x"})", R"({"status": "SUCCESS"})",
                          R"({"status": 1, "task_id": "x"})",
                          R"({"status": "SUCCESS", "task_id": "x", "date_done": "yesterday"})"}) {
    INFO(bad);
    try {
      (void)task_result::from_json(bad);
      FAIL("accepted");
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::decode_error);
    }
  }
  CHECK(result_key("abc") == "celery-task-meta-abc");
  CHECK(group_result_key("g") == "celery-taskset-meta-g");
}
