// amqp_codec.hpp — the wire side of AMQP field tables and basic properties for the fuzz
// targets: rabbitmq-c's own decoder and encoder (what a connection runs on every delivery),
// and ferry's conversions from and to its structs (lib/amqp/detail/c_types).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <ferry/amqp/message.hpp>
#include <ferry/amqp/table.hpp>

namespace ferry::fuzz {

/// rabbitmq-c decodes a field table (4-byte length first) into ferry's table; nullopt when it
/// refuses the bytes.
std::optional<amqp::table> decode_table(std::string_view wire);
/// ferry's table through rabbitmq-c's encoder.
std::string encode_table(const amqp::table& t);

/// rabbitmq-c decodes basic properties (flags first) into ferry's properties; nullopt when it
/// refuses the bytes.
std::optional<amqp::properties> decode_properties(std::string_view wire);
/// ferry's properties through rabbitmq-c's encoder.
std::string encode_properties(const amqp::properties& p);

/// Whether a NaN float or double hides somewhere in `t` (NaN never compares equal).
bool has_nan(const amqp::table& t);

}  // namespace ferry::fuzz
