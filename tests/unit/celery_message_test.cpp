// build_message / parse_message against messages captured from Celery 5.2.6 on Redis and
// RabbitMQ (tests/unit/data/celery).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "celery_test_data.hpp"
#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/celery/protocol/kombu_redis.hpp"
#include "ferry/celery/protocol/task_request.hpp"
#include "ferry/core/error.hpp"

using namespace ferry::celery::protocol;

namespace {

// The options that make build_message reproduce a captured message's properties.
build_options options_like(const task_message& m) {
  build_options o;
  o.reply_to = m.properties.reply_to.value_or("");
  o.priority = m.properties.priority;
  o.delivery_mode = m.properties.delivery_mode.value_or(2);
  return o;
}

// eta/expires are rebuilt as "+00:00" UTC; a naive captured time (eta_naive) is the same
// instant but not the same text, so those two headers are compared as instants.
void check_headers(const json& captured, const json& rebuilt) {
  REQUIRE(captured.size() == rebuilt.size());
  auto it = rebuilt.begin();
  for (auto c = captured.begin(); c != captured.end(); ++c, ++it) {
    CHECK(c.key() == it.key());
    if ((c.key() == "eta" || c.key() == "expires") && c.value().is_string()) {
      CHECK(parse_iso8601(c.value().get<std::string>()) ==
            parse_iso8601(it.value().get<std::string>()));
    } else {
      CHECK(python_json_dumps(c.value()) == python_json_dumps(it.value()));
    }
  }
  CHECK(python_json_dumps(captured).size() <= python_json_dumps(rebuilt).size() + 6);
}

std::string error_text(const task_message& m) {
  try {
    (void)parse_message(m);
  } catch (const ferry::error& e) {
    return std::string(e.kind() == ferry::errc::unsupported ? "unsupported: " : "decode: ") +
           e.what();
  }
  return "parsed";
}

task_message valid_message() {
  task_request r{.task = "tasks.add", .id = "00000000-0000-4000-8000-000000000001"};
  r.args = json::array({2, 3});
  r.origin = "gen1@host";
  return build_message(r);
}

}  // namespace

TEST_CASE("every task message captured on Redis parses and rebuilds to the same bytes",
          "[celery][message][vectors]") {
  int v2 = 0;
  int v1 = 0;
  for (const auto& name : celery_test::files("redis_send_")) {
    const auto v = celery_test::load(name);
    if (!v.contains("messages")) continue;
    for (const auto& captured : v["messages"]) {
      INFO(name);
      const auto d = from_kombu_redis_json(captured["raw_text"].get<std::string>());
      const auto req = parse_message(d.message);
      if (req.protocol == 1) {
        ++v1;
        CHECK(req.task == "tasks.add");
        CHECK(req.args == json::array({6, 6}));
        CHECK(req.eta.has_value());
        continue;
      }
      ++v2;
      const auto opts = options_like(d.message);
      auto rebuilt = build_message(req, opts);
      // The captured `expiration` depends on the producer's clock; carry it over.
      rebuilt.properties.expiration = d.message.properties.expiration;
      CHECK(rebuilt.body == d.message.body);
      check_headers(d.message.headers, rebuilt.headers);
      CHECK(rebuilt.properties == d.message.properties);
      const auto& eta = captured["envelope"]["headers"]["eta"];
      if (eta.is_null() || eta.get<std::string>().find('+') != std::string::npos) {
        // Whole envelope byte-equal, given the captured (random) delivery_tag.
        CHECK(to_kombu_redis_json(rebuilt, d.exchange, d.routing_key, d.delivery_tag) ==
              captured["raw_text"].get<std::string>());
      }
    }
  }
  CHECK(v2 >= 20);
  CHECK(v1 == 1);
}

TEST_CASE("every task message captured on RabbitMQ parses and rebuilds",
          "[celery][message][vectors]") {
  int count = 0;
  for (const auto& name : celery_test::files("amqp_send_")) {
    const auto v = celery_test::load(name);
    for (const auto& pub : v["published"]) {
      INFO(name);
      const auto& props = pub["content_header_decoded"]["properties_typed"];
      task_message m;
      m.properties.content_type = props["content_type"].get<std::string>();
      m.properties.content_encoding = props["content_encoding"].get<std::string>();
      m.properties.correlation_id = props["correlation_id"].get<std::string>();
      m.properties.reply_to = props["reply_to"].get<std::string>();
      m.properties.delivery_mode = props["delivery_mode"].get<std::uint8_t>();
      if (props.contains("priority"))
        m.properties.priority = props["priority"].get<std::uint8_t>();
      else
        m.properties.priority.reset();
      if (props.contains("expiration"))
        m.properties.expiration = props["expiration"].get<std::string>();
      m.headers = pub["headers_plain"];
      m.body = base64_decode(pub["body_b64"].get<std::string>());
      const auto req = parse_message(m);
      ++count;
      if (req.protocol == 1) {
        CHECK(m.headers.empty());
        continue;
      }
      auto rebuilt = build_message(req, options_like(m));
      rebuilt.properties.expiration = m.properties.expiration;
      CHECK(rebuilt.body == m.body);
      check_headers(m.headers, rebuilt.headers);
      CHECK(rebuilt.properties == m.properties);
    }
  }
  CHECK(count >= 20);
}

TEST_CASE("build_message from scratch equals Celery's message for the same call",
          "[celery][message][vectors]") {
  // add.apply_async((2, 3), task_id=...) captured as redis_send_plain_args.json.
  const auto v = celery_test::load("redis_send_plain_args.json");
  const auto& captured = v["messages"][0];
  task_request r{.task = "tasks.add", .id = "00000000-0000-4000-8000-000000000001"};
  r.args = json::array({2, 3});
  r.origin = "gen29353@vm";  // the capturing process; ferry's default is gen<pid>@<host>
  const auto m = build_message(r, {.reply_to = "391eaf0b-46ce-3306-8df2-8829db20f866"});
  CHECK(m.body ==
        R"([[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}])");
  CHECK(to_kombu_redis_json(m, "", "celery", "627c0d76-a264-42e5-915f-c040560d60a6") ==
        captured["raw_text"].get<std::string>());
}

TEST_CASE("build_message from scratch: unicode kwargs, link callbacks, options",
          "[celery][message][vectors]") {
  {
    const auto v = celery_test::load("redis_send_kwargs_unicode_nested.json");
    const auto d = from_kombu_redis_json(v["messages"][0]["raw_text"].get<std::string>());
    task_request r{.task = "tasks.echo", .id = "00000000-0000-4000-8000-000000000003"};
    r.args = json::array({"caf\xc3\xa9"});
    r.kwargs = json::parse(
        R"({"name": "Zo\u00eb \u2603 \u6f22\u5b57 \ud83d\ude00", "nested": {"list": [1, 2.5, null, true, false, {"deep": ["x", {"y": -7}]}], "empty_dict": {}, "empty_list": [], "big": 1099511627776, "neg": -1, "quote\"back\\slash": "tab\tnl\n"}})");
    r.origin = d.message.headers["origin"].get<std::string>();
    const auto m = build_message(r, options_like(d.message));
    CHECK(m.body == d.message.body);
    CHECK(python_json_dumps(m.headers) == python_json_dumps(d.message.headers));
  }
  {
    const auto v = celery_test::load("redis_send_link_callbacks.json");
    const auto d = from_kombu_redis_json(v["messages"][0]["raw_text"].get<std::string>());
    task_request r{.task = "tasks.add", .id = "00000000-0000-4000-8000-000000000013"};
    r.args = json::array({2, 2});
    r.callbacks = std::vector<signature>{{.task = "tasks.mul", .args = json::array({10})}};
    r.errbacks = std::vector<signature>{
        {.task = "tasks.echo", .args = json::array({"errback called"}), .immutable = true}};
    r.origin = d.message.headers["origin"].get<std::string>();
    CHECK(build_message(r, options_like(d.message)).body == d.message.body);
  }
  {
    // add.apply_async((3, 3), shadow=..., time_limit=30, soft_time_limit=20, ignore_result=True)
    const auto v = celery_test::load("redis_send_options_misc.json");
    const auto d = from_kombu_redis_json(v["messages"][0]["raw_text"].get<std::string>());
    task_request r{.task = "tasks.add", .id = "00000000-0000-4000-8000-000000000014"};
    r.args = json::array({3, 3});
    r.shadow = "add-shadowed";
    r.time_limit = std::chrono::seconds(30);
    r.soft_time_limit = std::chrono::seconds(20);
    r.ignore_result = true;
    r.origin = d.message.headers["origin"].get<std::string>();
    const auto m = build_message(r, options_like(d.message));
    CHECK(python_json_dumps(m.headers) == python_json_dumps(d.message.headers));
    CHECK(m.headers["timelimit"] == json::array({30, 20}));  // [hard, soft]
  }
}

TEST_CASE("parse_message reads chain, chord and group fields", "[celery][message][vectors]") {
  const auto chain = parse_message(
      from_kombu_redis_json(
          celery_test::load("redis_send_chain.json")["messages"][0]["raw_text"].get<std::string>())
          .message);
  REQUIRE(chain.chain.has_value());
  REQUIRE(chain.chain->size() == 2);
  CHECK(chain.chain->back().task == "tasks.add");  // the next step is LAST
  CHECK(chain.chain->back().args == json::array({3}));
  CHECK(chain.chain->front().task == "tasks.mul");
  CHECK(chain.chain->front().options.contains("task_id"));

  const auto chord_v = celery_test::load("redis_send_chord.json");
  const auto chord = parse_message(
      from_kombu_redis_json(chord_v["messages"][0]["raw_text"].get<std::string>()).message);
  REQUIRE(chord.chord.has_value());
  CHECK(chord.chord->task == "tasks.echo");
  CHECK(chord.group.has_value());
  CHECK(chord.group_index.has_value());
}

TEST_CASE("build_message fills Celery's defaults", "[celery][message]") {
  task_request r{.task = "tasks.add", .id = new_task_id()};
  const auto t0 = std::chrono::system_clock::now();
  r.expires = t0 + std::chrono::seconds(300);
  r.eta = t0 + std::chrono::seconds(60);
  const auto m = build_message(r, {.now = t0});
  CHECK(m.headers["root_id"] == r.id);
  CHECK(m.headers["argsrepr"] == "()");
  CHECK(m.headers["kwargsrepr"] == "{}");
  CHECK(m.headers["origin"].get<std::string>().rfind("gen", 0) == 0);
  CHECK(m.properties.correlation_id == r.id);
  CHECK(m.properties.expiration == "300000");
  CHECK(m.properties.content_type == "application/json");
  CHECK(parse_iso8601(m.headers["eta"].get<std::string>()) ==
        std::chrono::time_point_cast<std::chrono::microseconds>(*r.eta));
  r.expires = t0 - std::chrono::seconds(5);
  CHECK(build_message(r, {.now = t0}).properties.expiration == "0");

  CHECK(new_task_id() != new_task_id());
  const auto id = new_task_id();
  CHECK(id.size() == 36);
  CHECK(id[14] == '4');

  CHECK_THROWS_AS(build_message(task_request{.task = "", .id = "x"}), std::invalid_argument);
  CHECK_THROWS_AS(build_message(task_request{.task = "t", .id = ""}), std::invalid_argument);
  task_request bad_args{.task = "t", .id = "x"};
  bad_args.args = json::object();
  CHECK_THROWS_AS(build_message(bad_args), std::invalid_argument);
}

TEST_CASE("extra headers are kept after the sixteen", "[celery][message]") {
  auto m = valid_message();
  m.headers["stamped_headers"] = nullptr;
  m.headers["stamps"] = json::object();
  const auto r = parse_message(m);
  CHECK(r.extra_headers.size() == 2);
  const auto rebuilt = build_message(r);
  CHECK(python_json_dumps(rebuilt.headers) == python_json_dumps(m.headers));
}

TEST_CASE("hand-made messages the Celery worker accepted parse", "[celery][message][vectors]") {
  for (const char* name :
       {"worker_redis_handmade_minimal.json", "worker_redis_handmade_embed_null.json",
        "worker_redis_handmade_plain_body.json", "worker_redis_handmade_eta_z.json",
        "worker_redis_handmade_eta_millis.json"}) {
    INFO(name);
    const auto v = celery_test::load(name);
    const auto d = from_kombu_redis_json(v["sent"]["raw_lpush_text"].get<std::string>());
    const auto r = parse_message(d.message);
    CHECK(r.task == "tasks.add");
    CHECK(r.args.is_array());
  }
}

TEST_CASE("malformed messages are rejected with a clear error, never a crash",
          "[celery][message]") {
  SECTION("captured bad messages") {
    const auto text = [](const char* name) {
      const auto v = celery_test::load(name);
      return error_text(
          from_kombu_redis_json(v["sent"]["raw_lpush_text"].get<std::string>()).message);
    };
    CHECK_THAT(text("worker_redis_bad_json_body.json"),
               Catch::StartsWith("decode: ") && Catch::Contains("not valid JSON"));
    CHECK_THAT(text("worker_redis_bad_content_type.json"),
               Catch::StartsWith("unsupported: ") && Catch::Contains("application/json"));
    CHECK_THAT(text("worker_redis_missing_content_type.json"),
               Catch::StartsWith("decode: ") && Catch::Contains("no content_type"));
    CHECK_THAT(text("worker_redis_no_task_header.json"),
               Catch::StartsWith("decode: ") && Catch::Contains("no 'task' header"));
    // Celery 5.2 rejects 9 fraction digits; ferry reads them (see docs), so this one parses.
    CHECK(text("worker_redis_handmade_eta_nanos.json") == "parsed");
  }
  SECTION("missing or ill-typed headers") {
    auto m = valid_message();
    m.headers.erase("id");
    CHECK_THAT(error_text(m), Catch::Contains("missing required header 'id'"));
    m = valid_message();
    m.headers["task"] = 5;
    CHECK_THAT(error_text(m), Catch::Contains("'task' must be a string"));
    m = valid_message();
    m.headers["retries"] = "three";
    CHECK_THAT(error_text(m), Catch::Contains("'retries' must be an integer"));
    m = valid_message();
    m.headers["eta"] = "soon";
    CHECK_THAT(error_text(m), Catch::Contains("header 'eta'"));
    m = valid_message();
    m.headers["timelimit"] = json::array({"a", nullptr});
    CHECK_THAT(error_text(m), Catch::Contains("timelimit"));
    m = valid_message();
    m.headers["ignore_result"] = "yes";
    CHECK_THAT(error_text(m), Catch::Contains("'ignore_result' must be a boolean"));
    m = valid_message();
    m.headers["group_index"] = 1.5;
    CHECK_THAT(error_text(m), Catch::Contains("'group_index' must be an integer"));
  }
  SECTION("unsupported content") {
    auto m = valid_message();
    m.properties.content_type = "application/x-python-serialize";
    CHECK_THAT(error_text(m), Catch::StartsWith("unsupported: ") && Catch::Contains("JSON"));
    m = valid_message();
    m.properties.content_encoding = "binary";
    CHECK_THAT(error_text(m), Catch::StartsWith("unsupported: "));
    m = valid_message();
    m.headers["compression"] = "application/x-gzip";
    CHECK_THAT(error_text(m), Catch::StartsWith("unsupported: ") && Catch::Contains("compressed"));
  }
  SECTION("protocol 1 without task") {
    auto m = valid_message();
    m.headers = json::object();
    m.body = R"({"id": "x", "args": []})";
    CHECK_THAT(error_text(m), Catch::Contains("no 'task' header"));
  }
}

TEST_CASE("ill-shaped or oversized bodies are rejected with a clear error, never a crash",
          "[celery][message]") {
  SECTION("ill-shaped bodies") {
    auto m = valid_message();
    m.body = "[[1], {}]";
    CHECK_THAT(error_text(m), Catch::Contains("[args, kwargs, embed]"));
    m.body = R"({"args": 5})";
    CHECK_THAT(error_text(m), Catch::Contains("args must be an array"));
    m.body = R"([{}, {}, null])";
    CHECK_THAT(error_text(m), Catch::Contains("args must be an array"));
    m.body = R"([[], [], null])";
    CHECK_THAT(error_text(m), Catch::Contains("kwargs must be an object"));
    m.body = R"([[], {}, {"callbacks": [{"args": []}]}])";
    CHECK_THAT(error_text(m), Catch::Contains("signature"));
    m.body = R"([[], {}, {"chain": 3}])";
    CHECK_THAT(error_text(m), Catch::Contains("'chain'"));
    m.body = "\"just a string\"";
    CHECK_THAT(error_text(m), Catch::StartsWith("decode: "));
    m.body = std::string(200000, '[');
    CHECK_THAT(error_text(m), Catch::Contains("nested deeper"));
    m.body = "";
    CHECK_THAT(error_text(m), Catch::Contains("not valid JSON"));
  }
  SECTION("body size limit") {
    auto m = valid_message();
    m.body = "[[\"" + std::string(2000, 'x') + "\"], {}, null]";
    CHECK(error_text(m) == "parsed");
    try {
      (void)parse_message(m, {.max_body_bytes = 1024});
      FAIL("accepted");
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::decode_error);
      CHECK_THAT(e.what(), Catch::Contains("over the limit of 1024"));
    }
  }
}

TEST_CASE("protocol 1 and hybrid bodies parse into the same task_request", "[celery][message]") {
  task_message m;
  m.body = R"({"task": "tasks.add", "id": "abc", "args": [6, 6], "kwargs": {"k": 1}, "group": null,
    "retries": 2, "eta": "2026-11-22T15:54:44.709561+00:00", "expires": null, "utc": true,
    "callbacks": [{"task": "tasks.mul", "args": [2], "kwargs": {}, "options": {}, "subtask_type": null, "immutable": false}],
    "errbacks": null, "timelimit": [10, null], "taskset": "g1", "chord": null})";
  const auto r = parse_message(m);
  CHECK(r.protocol == 1);
  CHECK(r.task == "tasks.add");
  CHECK(r.id == "abc");
  CHECK(r.args == json::array({6, 6}));
  CHECK(r.kwargs["k"] == 1);
  CHECK(r.retries == 2);
  CHECK(r.group == "g1");
  CHECK(r.time_limit->count() == 10.0);
  CHECK_FALSE(r.soft_time_limit.has_value());
  REQUIRE(r.callbacks.has_value());
  CHECK(r.callbacks->at(0).task == "tasks.mul");

  task_message hybrid;
  hybrid.headers = {{"task", "tasks.add"}, {"id", "h1"}};
  hybrid.body = R"({"args": [1, 2], "kwargs": {}, "chain": []})";
  const auto h = parse_message(hybrid);
  CHECK(h.protocol == 2);
  CHECK(h.args == json::array({1, 2}));
  CHECK(h.chain.has_value());
}

TEST_CASE("every Celery task message LPUSHed during the worker run rebuilds byte for byte",
          "[celery][message][vectors]") {
  // The worker run's MONITOR transcript holds the producer's messages and everything the worker
  // published itself: retries (same id, parent_id = own id, extra Redis properties), link
  // callbacks, chain steps, errback groups, the chord body.
  const auto v = celery_test::load("worker_redis_redis_transcript.json");
  int rebuilt_count = 0;
  int retries = 0;
  for (const auto& cmd : v["commands"]) {
    const auto& args = cmd["args"];
    if (args[0] != "LPUSH" || args[1] != "celery") continue;
    const auto raw = args[2].get<std::string>();
    const auto d = from_kombu_redis_json(raw);
    if (!d.message.headers.contains("lang")) continue;  // hand-made messages: tested above
    INFO(raw.substr(0, 400));
    const auto req = parse_message(d.message);
    auto m = build_message(req, options_like(d.message));
    m.properties.expiration = d.message.properties.expiration;
    m.properties.extra = d.message.properties.extra;
    CHECK(to_kombu_redis_json(m, d.exchange, d.routing_key, d.delivery_tag) == raw);
    if (req.retries > 0) {
      ++retries;
      CHECK(req.parent_id == req.id);
      CHECK(d.message.properties.extra.contains("replaced_task_nesting"));
    }
    ++rebuilt_count;
  }
  CHECK(rebuilt_count >= 15);
  CHECK(retries >= 2);
}

TEST_CASE("truncated and corrupted envelopes never crash the decoder", "[celery][message]") {
  // Every prefix of a real envelope, and every single-byte corruption of it, either decodes or
  // throws ferry::error; nothing else escapes.
  const auto raw = celery_test::load("redis_send_link_callbacks.json")["messages"][0]["raw_text"]
                       .get<std::string>();
  const auto decode = [](const std::string& text) {
    try {
      const auto d = from_kombu_redis_json(text);
      (void)parse_message(d.message);
    } catch (const ferry::error&) {
    }
  };
  for (std::size_t n = 0; n < raw.size(); ++n) decode(raw.substr(0, n));
  for (std::size_t i = 0; i < raw.size(); i += 3) {
    for (const char c : {'"', '{', ']', '\\', '0', '\x80'}) {
      auto corrupted = raw;
      corrupted[i] = c;
      decode(corrupted);
    }
  }
  // The same for bodies handed over by an AMQP transport.
  const auto body = from_kombu_redis_json(raw).message;
  for (std::size_t n = 0; n < body.body.size(); ++n) {
    auto m = body;
    m.body.resize(n);
    try {
      (void)parse_message(m);
    } catch (const ferry::error&) {
    }
  }
  SUCCEED();
}

TEST_CASE("far-off eta and expires are clamped: 9999 never expires and is not due now",
          "[celery][message]") {
  const auto now = std::chrono::system_clock::now();
  task_message v2;
  v2.headers = {{"task", "tasks.add"},
                {"id", "far"},
                {"eta", "9999-12-31T23:59:59+00:00"},
                {"expires", "9999-12-31T23:59:59+00:00"}};
  v2.body = R"([[1, 2], {}, {}])";
  const auto far = parse_message(v2);
  REQUIRE(far.expires);
  REQUIRE(far.eta);
  CHECK(*far.expires > now);  // the worker revokes a task once expires <= now
  CHECK(*far.eta > now);      // held, not run now
  // Re-sent (a retry) it keeps meaning "never": a TTL of decades (to 2116), not 0.
  CHECK(std::stoll(*build_message(far, {.now = now}).properties.expiration) >
        80LL * 365 * 24 * 3600 * 1000);

  task_message v1;
  v1.body = R"({"task": "tasks.add", "id": "old", "args": [], "kwargs": {},
    "eta": "0001-01-01T00:00:00", "expires": "0001-01-01T00:00:00+00:00"})";
  const auto old = parse_message(v1);
  CHECK(*old.eta <= now);      // due: runs now
  CHECK(*old.expires <= now);  // already expired
  CHECK(build_message(old, {.now = now}).properties.expiration == "0");
}

TEST_CASE("huge time limits are clamped so they convert to milliseconds safely",
          "[celery][message]") {
  task_message m;
  m.headers = {{"task", "tasks.add"}, {"id", "tl"}, {"timelimit", json::array({1e300, -1e300})}};
  m.body = R"([[], {}, {}])";
  const auto r = parse_message(m);
  REQUIRE(r.time_limit);
  CHECK(r.time_limit->count() == 1e9);
  CHECK(r.soft_time_limit->count() == -1e9);
  // What the worker does with them: no float-to-integer overflow.
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(*r.time_limit).count() ==
        1'000'000'000'000);
}
