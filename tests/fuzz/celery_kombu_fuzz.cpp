// Fuzz target: Celery over Redis as the worker reads it — kombu's JSON envelope (as popped
// from a list), the `unacked` hash entry (as restored after a crash), the redelivery marking,
// base64 bodies, then the task message inside (protocol 2, hybrid or protocol 1).
//
// Properties: only decode_error/unsupported are thrown; an envelope read back from
// to_kombu_redis_json is the delivery that was read (priority defaults to 0, as kombu writes
// it); an unacked entry re-serialised reads back the same; marking redelivered keeps an
// envelope readable and says redelivered; base64 round-trips; the task message has the
// build/parse round trip of celery_check.hpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/celery/protocol/json.hpp>
#include <ferry/celery/protocol/kombu_redis.hpp>
#include <ferry/core/error.hpp>

#include "celery_check.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ferry::celery::protocol;
using ferry::fuzz::check;
using ferry::fuzz::fail;

void check_envelope(std::string_view text) {
  kombu_redis_delivery d;
  try {
    d = from_kombu_redis_json(text);
  } catch (const ferry::error& e) {
    check(ferry::fuzz::celery_input_error(e), "unexpected error code from the envelope", e.what());
    return;
  }
  std::string again;
  try {
    again = to_kombu_redis_json(d.message, d.exchange, d.routing_key, d.delivery_tag);
  } catch (const std::exception& e) {
    fail("to_kombu_redis_json refused a delivery it read", e.what());
  }
  kombu_redis_delivery back;
  try {
    back = from_kombu_redis_json(again);
  } catch (const ferry::error& e) {
    fail("an envelope ferry wrote does not read back", std::string(e.what()) + "\n" + again);
  }
  task_message expected = d.message;
  if (!expected.properties.priority) expected.properties.priority = 0;
  check(back.message == expected, "envelope changed through to_kombu_redis_json", again);
  check(back.exchange == d.exchange && back.routing_key == d.routing_key &&
            back.delivery_tag == d.delivery_tag,
        "delivery_info changed through to_kombu_redis_json", again);

  std::string marked;
  try {
    marked = kombu_redis_mark_redelivered(text);
  } catch (const ferry::error& e) {
    fail("a readable envelope could not be marked redelivered", e.what());
  }
  try {
    const auto m = from_kombu_redis_json(marked);
    check(m.message.body == d.message.body && m.delivery_tag == d.delivery_tag,
          "marking redelivered changed the message", marked);
  } catch (const ferry::error& e) {
    fail("a redelivered envelope does not read back", std::string(e.what()) + "\n" + marked);
  }

  std::string unacked;
  try {
    unacked = kombu_redis_unacked_value(text, d.exchange, d.routing_key);
  } catch (const std::exception& e) {
    fail("kombu_redis_unacked_value refused a readable envelope", e.what());
  }
  const auto entry = parse_kombu_redis_unacked_value(unacked);
  check(entry.exchange == d.exchange && entry.routing_key == d.routing_key,
        "unacked entry changed exchange/routing key", unacked);
  check(from_kombu_redis_json(entry.envelope).message == d.message,
        "unacked entry changed the envelope", unacked);

  ferry::fuzz::check_task_message(d.message);
}

void check_unacked(std::string_view text) {
  kombu_redis_unacked_entry e;
  try {
    e = parse_kombu_redis_unacked_value(text);
  } catch (const ferry::error& err) {
    check(ferry::fuzz::celery_input_error(err), "unexpected error code from an unacked entry",
          err.what());
    return;
  }
  const auto again = kombu_redis_unacked_value(e.envelope, e.exchange, e.routing_key);
  const auto back = parse_kombu_redis_unacked_value(again);
  check(back.envelope == e.envelope && back.exchange == e.exchange &&
            back.routing_key == e.routing_key,
        "unacked entry changed through kombu_redis_unacked_value", again);
  check_envelope(e.envelope);
}

void check_base64(std::string_view text) {
  std::string bytes;
  try {
    bytes = base64_decode(text);
  } catch (const ferry::error& e) {
    check(e.code() == ferry::errc::decode_error, "unexpected error code from base64", e.what());
    return;
  }
  check(base64_decode(base64_encode(bytes)) == bytes, "base64 round trip", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // An unacked entry is a JSON array, an envelope an object: one input feeds the right path.
  if (!text.empty() && text.front() == '[') {
    check_unacked(text);
  } else {
    check_envelope(text);
  }
  check_base64(text);
  return 0;
}
