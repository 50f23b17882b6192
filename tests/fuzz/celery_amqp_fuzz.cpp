// Fuzz target: Celery over RabbitMQ as the worker reads it — the content header's basic
// properties and headers table (rabbitmq-c's decoder, then ferry's conversion) and the body,
// turned into a Celery task message (ferry::celery::amqp::from_amqp_message) and parsed.
//
// Input: two bytes (big-endian) giving the length of the encoded properties, the properties,
// then the body. Properties: from_amqp_message never throws; the message survives
// to_amqp_message → from_amqp_message (headers compared as JSON text, so NaN and integer
// widths are judged by what Celery sees); the task message has the build/parse round trip of
// celery_check.hpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/celery/amqp/message.hpp>

#include "amqp_codec.hpp"
#include "celery_check.hpp"
#include "fuzz_check.hpp"

namespace {

using ferry::fuzz::check;
using ferry::fuzz::fail;

std::string json_text(const ferry::celery::protocol::json& j) {
  return j.dump(-1, ' ', false, ferry::celery::protocol::json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t length = (std::size_t{data[0]} << 8) | data[1];
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  if (length > rest.size()) return 0;
  const auto props = ferry::fuzz::decode_properties(rest.substr(0, length));
  if (!props) return 0;
  ferry::amqp::message m;
  m.props = *props;
  m.body = std::string(rest.substr(length));

  ferry::celery::protocol::task_message tm;
  try {
    tm = ferry::celery::amqp::from_amqp_message(m);
  } catch (const std::exception& e) {
    fail("from_amqp_message threw", e.what());
  }
  const auto again =
      ferry::celery::amqp::from_amqp_message(ferry::celery::amqp::to_amqp_message(tm));
  check(again.body == tm.body, "body changed through to_amqp_message");
  check(json_text(again.headers) == json_text(tm.headers),
        "headers changed through to_amqp_message → from_amqp_message", json_text(tm.headers));
  auto expected = tm.properties;
  // A negative TTL is no TTL: to_amqp_message does not publish one.
  if (expected.expiration && expected.expiration->front() == '-') expected.expiration.reset();
  check(again.properties == expected, "properties changed through to_amqp_message");

  ferry::fuzz::check_task_message(tm);
  return 0;
}
