// Fuzz target: AMQP field tables and basic properties as a broker (or anyone who can publish)
// sends them with every delivery: rabbitmq-c decodes the wire bytes, ferry converts them
// (lib/amqp/detail/c_types) into amqp::table / amqp::properties.
//
// Properties: whatever rabbitmq-c accepts converts; ferry's value encodes back through
// rabbitmq-c and decodes to an equal value (tables, properties with their headers), and that
// encoding is a fixed point. The first byte picks table or properties; the rest is the wire.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "amqp_codec.hpp"
#include "fuzz_check.hpp"

namespace {

using ferry::fuzz::check;

// Decodes `wire`, encodes ferry's value with rabbitmq-c and decodes that again, checking the
// encoding is a fixed point. nullopt when rabbitmq-c refuses `wire`; else {first, second}.
template <class Decode, class Encode>
auto round_trip(std::string_view wire, Decode decode, Encode encode, std::string_view what) {
  using value = typename decltype(decode(wire))::value_type;
  std::optional<std::pair<value, value>> out;
  const auto first = decode(wire);
  if (!first) return out;
  const std::string once = encode(*first);
  const auto second = decode(once);
  check(second.has_value(),
        std::string("rabbitmq-c refuses ") + std::string(what) + " ferry encoded");
  check(encode(*second) == once, std::string(what) + " encoding is not a fixed point");
  out.emplace(*first, *second);
  return out;
}

void check_table(std::string_view wire) {
  const auto t = round_trip(wire, ferry::fuzz::decode_table, ferry::fuzz::encode_table, "table");
  if (t && !ferry::fuzz::has_nan(t->first)) {
    check(t->second == t->first, "table changed through encode → decode");
  }
}

void check_properties(std::string_view wire) {
  const auto pp = round_trip(wire, ferry::fuzz::decode_properties, ferry::fuzz::encode_properties,
                             "properties");
  if (!pp) return;
  const auto& [p, back] = *pp;
  if (!ferry::fuzz::has_nan(p.headers)) {
    check(back.headers == p.headers, "headers changed through encode → decode");
  }
  check(back.content_type == p.content_type && back.content_encoding == p.content_encoding &&
            back.persistent == p.persistent && back.priority == p.priority &&
            back.correlation_id == p.correlation_id && back.reply_to == p.reply_to &&
            back.expiration == p.expiration && back.message_id == p.message_id &&
            back.timestamp == p.timestamp && back.type == p.type && back.user_id == p.user_id &&
            back.app_id == p.app_id,
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
