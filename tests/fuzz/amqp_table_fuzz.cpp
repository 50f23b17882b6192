// Fuzz target: AMQP field tables and basic properties as a broker (or anyone who can publish)
// sends them with every delivery: rabbitmq-c decodes the wire bytes, ferry converts them
// (lib/amqp/detail/c_types) into amqp::table / amqp::properties.
//
// Properties: whatever rabbitmq-c accepts converts; ferry's value encodes back through
// rabbitmq-c and decodes to an equal value (tables, properties with their headers), and that
// encoding is a fixed point. The first byte picks table or properties; the rest is the wire.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "amqp_codec.hpp"
#include "fuzz_check.hpp"

namespace {

using ferry::fuzz::check;

void check_table(std::string_view wire) {
  const auto t = ferry::fuzz::decode_table(wire);
  if (!t) return;
  const std::string once = ferry::fuzz::encode_table(*t);
  const auto back = ferry::fuzz::decode_table(once);
  check(back.has_value(), "rabbitmq-c refuses a table ferry encoded");
  check(ferry::fuzz::encode_table(*back) == once, "table encoding is not a fixed point");
  if (!ferry::fuzz::has_nan(*t)) check(*back == *t, "table changed through encode → decode");
}

void check_properties(std::string_view wire) {
  const auto p = ferry::fuzz::decode_properties(wire);
  if (!p) return;
  const std::string once = ferry::fuzz::encode_properties(*p);
  const auto back = ferry::fuzz::decode_properties(once);
  check(back.has_value(), "rabbitmq-c refuses properties ferry encoded");
  check(ferry::fuzz::encode_properties(*back) == once, "properties encoding is not a fixed point");
  if (!ferry::fuzz::has_nan(p->headers)) {
    check(back->headers == p->headers, "headers changed through encode → decode");
  }
  check(back->content_type == p->content_type && back->content_encoding == p->content_encoding &&
            back->persistent == p->persistent && back->priority == p->priority &&
            back->correlation_id == p->correlation_id && back->reply_to == p->reply_to &&
            back->expiration == p->expiration && back->message_id == p->message_id &&
            back->timestamp == p->timestamp && back->type == p->type &&
            back->user_id == p->user_id && back->app_id == p->app_id,
        "properties changed through encode → decode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1u) == 0) {
    check_table(wire);
  } else {
    check_properties(wire);
  }
  return 0;
}
