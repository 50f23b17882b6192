// JSON <-> AMQP field values with py-amqp's type choices (amqp/serialization.py, 5.1.1).
#include "ferry/celery/amqp/message.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <variant>

namespace ferry::celery::amqp {
namespace {

ferry::amqp::field_value to_field(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return ferry::amqp::field_value{};
    case json::value_t::boolean: return ferry::amqp::field_value{v.get<bool>()};
    case json::value_t::string: return ferry::amqp::field_value{v.get<std::string>()};
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      // py-amqp: 'I' when it fits in a signed 32-bit int, else 'L' (signed 64 for py-amqp).
      if (v.is_number_unsigned() &&
          v.get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return ferry::amqp::field_value{v.get<std::uint64_t>()};
      const auto i = v.get<std::int64_t>();
      if (i >= std::numeric_limits<std::int32_t>::min() &&
          i <= std::numeric_limits<std::int32_t>::max())
        return ferry::amqp::field_value{static_cast<std::int32_t>(i)};
      return ferry::amqp::field_value{static_cast<std::uint64_t>(i)};
    }
    case json::value_t::number_float: return ferry::amqp::field_value{v.get<double>()};
    case json::value_t::array: {
      ferry::amqp::array a;
      a.reserve(v.size());
      for (const auto& e : v) a.push_back(to_field(e));
      return ferry::amqp::field_value{std::move(a)};
    }
    case json::value_t::object: return ferry::amqp::field_value{to_amqp_table(v)};
    default:
      return ferry::amqp::field_value{};  // binary/discarded: not produced by the JSON parser
  }
}

json from_field(const ferry::amqp::field_value& f) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          // 'L' is py-amqp's signed 64-bit int: reinterpret the bits.
          return static_cast<std::int64_t>(x);
        } else if constexpr (std::is_integral_v<T>) {
          return static_cast<std::int64_t>(x);
        } else if constexpr (std::is_floating_point_v<T>) {
          return static_cast<double>(x);
        } else if constexpr (std::is_same_v<T, ferry::amqp::decimal>) {
          double d = x.value;
          for (int i = 0; i < x.scale; ++i) d /= 10.0;
          return d;
        } else if constexpr (std::is_same_v<T, ferry::amqp::timestamp>) {
          return static_cast<std::int64_t>(x.time.time_since_epoch().count());
        } else if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, ferry::amqp::bytes>) {
          return x.data;
        } else if constexpr (std::is_same_v<T, ferry::amqp::array>) {
          json a = json::array();
          for (const auto& e : x) a.push_back(from_field(e));
          return a;
        } else {
          return from_amqp_table(x);
        }
      },
      f.value());
}

}  // namespace

ferry::amqp::table to_amqp_table(const json& headers) {
  ferry::amqp::table t;
  if (!headers.is_object()) return t;
  for (const auto& [k, v] : headers.items()) t.set(k, to_field(v));
  return t;
}

json from_amqp_table(const ferry::amqp::table& headers) {
  json j = json::object();
  for (const auto& [k, v] : headers) j[k] = from_field(v);
  return j;
}

ferry::amqp::message to_amqp_message(const task_message& m) {
  ferry::amqp::message out;
  out.body = m.body;
  const auto& p = m.properties;
  auto& q = out.props;
  q.content_type = p.content_type;
  q.content_encoding = p.content_encoding;
  q.headers = to_amqp_table(m.headers);
  q.persistent = p.delivery_mode.value_or(2) == 2;
  q.priority = p.priority;
  q.correlation_id = p.correlation_id;
  q.reply_to = p.reply_to;
  if (p.expiration) {
    long long ms = 0;
    const auto* b = p.expiration->data();
    const auto* e = b + p.expiration->size();
    if (auto [ptr, ec] = std::from_chars(b, e, ms); ec == std::errc{} && ptr == e && ms >= 0)
      q.expiration = std::chrono::milliseconds(ms);
  }
  return out;
}

task_message from_amqp_message(const ferry::amqp::message& m) {
  task_message out;
  out.body = m.body;
  const auto& q = m.props;
  auto& p = out.properties;
  p.content_type = q.content_type;
  p.content_encoding = q.content_encoding;
  p.correlation_id = q.correlation_id;
  p.reply_to = q.reply_to;
  p.delivery_mode = static_cast<std::uint8_t>(q.persistent ? 2 : 1);
  p.priority = q.priority;
  if (q.expiration) p.expiration = std::to_string(q.expiration->count());
  out.headers = from_amqp_table(q.headers);
  return out;
}

}  // namespace ferry::celery::amqp
