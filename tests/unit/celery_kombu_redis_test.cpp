#include <catch2/catch.hpp>

#include <string>

#include "celery_test_data.hpp"
#include "ferry/celery/protocol/kombu_redis.hpp"
#include "ferry/core/error.hpp"

using namespace ferry::celery::protocol;

TEST_CASE("kombu Redis envelopes round-trip byte for byte", "[celery][kombu][vectors]") {
  int count = 0;
  for (const auto& name : celery_test::files("redis_send_")) {
    const auto v = celery_test::load(name);
    if (!v.contains("messages")) continue;
    for (const auto& captured : v["messages"]) {
      INFO(name);
      const auto raw = captured["raw_text"].get<std::string>();
      const auto d = from_kombu_redis_json(raw);
      CHECK(d.message.body == captured["body_decoded_text"].get<std::string>());
      CHECK(d.routing_key == captured["envelope"]["properties"]["delivery_info"]["routing_key"]);
      CHECK(d.exchange.empty());
      CHECK_FALSE(d.redelivered);
      // The delivery_tag is a random uuid4 per message: pass the captured one to compare.
      CHECK(to_kombu_redis_json(d.message, d.exchange, d.routing_key, d.delivery_tag) == raw);
      // The list it was pushed to follows from the priority.
      CHECK(kombu_redis_queue_for_priority(d.routing_key,
                                           d.message.properties.priority.value_or(0)) ==
            base64_decode(captured["redis_key_b64"].get<std::string>()));
      ++count;
    }
  }
  CHECK(count == 21);  // 19 producer cases; group, chord and priority_0_and_9 send two
}

TEST_CASE("kombu Redis envelope keeps extra properties and reads redelivered", "[celery][kombu]") {
  // Shape of a Celery 5.2 retry envelope on Redis, restored once by kombu.
  const std::string raw =
      R"({"body": "W1tdLCB7fSwgbnVsbF0=", "content-encoding": "utf-8", "content-type": "application/json", )"
      R"("headers": {"task": "t", "id": "i", "redelivered": true}, "properties": {"correlation_id": "i", )"
      R"("reply_to": "r", "replaced_task_nesting": 0, "origin": "gen1@h", "delivery_mode": 2, )"
      R"("delivery_info": {"exchange": "", "routing_key": "celery", "redelivered": true}, "priority": 0, )"
      R"("body_encoding": "base64", "delivery_tag": "tag-1"}})";
  const auto d = from_kombu_redis_json(raw);
  CHECK(d.redelivered);
  CHECK(d.delivery_tag == "tag-1");
  CHECK(d.message.body == "[[], {}, null]");
  CHECK(d.message.properties.extra == json({{"replaced_task_nesting", 0}, {"origin", "gen1@h"}}));
  const auto again = to_kombu_redis_json(d.message, d.exchange, d.routing_key, d.delivery_tag);
  // Same except the transport's own redelivered flag, which a producer never writes.
  CHECK(again.find(R"("replaced_task_nesting": 0, "origin": "gen1@h", "delivery_mode": 2)") !=
        std::string::npos);
  CHECK(from_kombu_redis_json(again).message == d.message);
}

TEST_CASE("kombu Redis envelope: fresh delivery tags and plain bodies", "[celery][kombu]") {
  task_message m;
  m.headers = {{"task", "t"}, {"id", "i"}};
  m.body = "[[1], {}, {}]";
  const auto a = from_kombu_redis_json(to_kombu_redis_json(m, "", "celery"));
  const auto b = from_kombu_redis_json(to_kombu_redis_json(m, "", "celery"));
  CHECK(a.delivery_tag.size() == 36);
  CHECK(a.delivery_tag != b.delivery_tag);
  CHECK(a.message == m);
  // kombu 5.2 takes a body without body_encoding as literal text.
  const auto plain = from_kombu_redis_json(
      R"({"body": "[[2], {}, {}]", "content-type": "application/json", "headers": {}, "properties": {"delivery_tag": "x", "delivery_info": {"exchange": "", "routing_key": "q"}}})");
  CHECK(plain.message.body == "[[2], {}, {}]");
  CHECK(plain.routing_key == "q");
}

TEST_CASE("malformed kombu Redis envelopes are rejected", "[celery][kombu]") {
  const auto kind = [](std::string_view text) {
    try {
      (void)from_kombu_redis_json(text);
    } catch (const ferry::error& e) {
      return e.kind();
    }
    return ferry::errc{};
  };
  CHECK(kind("not json") == ferry::errc::decode_error);
  CHECK(kind("[1, 2]") == ferry::errc::decode_error);
  CHECK(kind(R"({"headers": {}})") == ferry::errc::decode_error);  // no body
  CHECK(kind(R"({"body": "!!!", "properties": {"body_encoding": "base64"}})") ==
        ferry::errc::decode_error);
  CHECK(kind(R"({"body": "eA==", "properties": {"body_encoding": "zlib"}})") ==
        ferry::errc::unsupported);
  CHECK(kind(R"({"body": "", "properties": {"priority": "high"}})") == ferry::errc::decode_error);
  CHECK(kind(R"({"body": "", "headers": [], "properties": {}})") == ferry::errc::decode_error);
}

TEST_CASE("kombu Redis key names", "[celery][kombu]") {
  CHECK(kombu_redis_queue_for_priority("celery", 0) == "celery");
  CHECK(kombu_redis_queue_for_priority("celery", 2) == "celery");
  CHECK(kombu_redis_queue_for_priority("celery", 3) == std::string("celery\x06\x16") + "3");
  CHECK(kombu_redis_queue_for_priority("celery", 8) == std::string("celery\x06\x16") + "6");
  CHECK(kombu_redis_queue_for_priority("celery", 9) == std::string("celery\x06\x16") + "9");
  CHECK(kombu_redis_queue_for_priority("celery", 42) == std::string("celery\x06\x16") + "9");
  CHECK(kombu_redis_queue_for_priority("celery", -1) == "celery");
  const auto order = kombu_redis_priority_queues("q");
  CHECK(order[0] == "q");
  CHECK(order[3] == std::string("q\x06\x16") + "9");
  CHECK(kombu_redis_binding_key("celery") == "_kombu.binding.celery");
  // Captured: SADD _kombu.binding.celery "celery\x06\x16\x06\x16celery".
  CHECK(kombu_redis_binding_member("celery", "", "celery") ==
        std::string("celery\x06\x16\x06\x16") + "celery");
}

TEST_CASE("base64 matches Python's", "[celery][kombu]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_decode("Zm8=") == "fo");
  CHECK(base64_decode("Zm8") == "fo");
  CHECK(base64_encode(std::string("\xff\x00\x80", 3)) == "/wCA");
  CHECK_THROWS_AS(base64_decode("Z"), ferry::error);
}

TEST_CASE("unacked hash entries and restored envelopes match kombu", "[celery][kombu][vectors]") {
  const auto v = celery_test::load("redis_transport_visibility_restore.json");
  std::string hset_value;
  for (const auto& c : v["commands_basic_get_without_ack"]) {
    if (c["args"][0] == "HSET") hset_value = c["args"][3].get<std::string>();
  }
  std::string restored;
  for (const auto& c : v["commands_restore_visible_visibility_timeout_1s"]) {
    if (c["args"][0] == "RPUSH") restored = c["args"][2].get<std::string>();
  }
  REQUIRE(!hset_value.empty());
  REQUIRE(!restored.empty());
  const auto entry = parse_kombu_redis_unacked_value(hset_value);
  CHECK(entry.exchange.empty());
  CHECK(entry.routing_key == "celery");
  CHECK(kombu_redis_unacked_value(entry.envelope, entry.exchange, entry.routing_key) == hset_value);
  CHECK(kombu_redis_mark_redelivered(entry.envelope) == restored);
  const auto d = from_kombu_redis_json(restored);
  CHECK(d.redelivered);
  CHECK(d.message.headers["redelivered"] == true);
  CHECK_THROWS_AS(parse_kombu_redis_unacked_value("[1, 2]"), ferry::error);
}
