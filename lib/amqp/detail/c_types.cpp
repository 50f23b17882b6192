#include "amqp/detail/c_types.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "ferry/core/checked_time.hpp"

namespace ferry::amqp::detail {
namespace {

// AMQP timestamps are unsigned seconds from the peer; clamped (ferry/checked_time.hpp) so that
// converting one to system_clock::time_point can never overflow.
std::chrono::sys_seconds checked_timestamp(std::uint64_t seconds) {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const auto t =
      time_from_unix(std::chrono::seconds(static_cast<std::int64_t>(std::min(seconds, max))));
  return std::chrono::floor<std::chrono::seconds>(t.value);
}

amqp_field_value_t value_to_c(const field_value& v, arena& a);

amqp_array_t array_to_c(const array& arr, arena& a) {
  amqp_array_t out{};
  out.num_entries = static_cast<int>(arr.size());
  out.entries = arr.empty() ? nullptr : a.values(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) out.entries[i] = value_to_c(arr[i], a);
  return out;
}

amqp_field_value_t value_to_c(const field_value& v, arena& a) {
  amqp_field_value_t out;
  std::memset(&out, 0, sizeof out);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out.kind = AMQP_FIELD_KIND_VOID;
        } else if constexpr (std::is_same_v<T, bool>) {
          out.kind = AMQP_FIELD_KIND_BOOLEAN;
          out.value.boolean = x ? 1 : 0;
        } else if constexpr (std::is_same_v<T, std::int8_t>) {
          out.kind = AMQP_FIELD_KIND_I8;
          out.value.i8 = x;
        } else if constexpr (std::is_same_v<T, std::uint8_t>) {
          out.kind = AMQP_FIELD_KIND_U8;
          out.value.u8 = x;
        } else if constexpr (std::is_same_v<T, std::int16_t>) {
          out.kind = AMQP_FIELD_KIND_I16;
          out.value.i16 = x;
        } else if constexpr (std::is_same_v<T, std::uint16_t>) {
          out.kind = AMQP_FIELD_KIND_U16;
          out.value.u16 = x;
        } else if constexpr (std::is_same_v<T, std::int32_t>) {
          out.kind = AMQP_FIELD_KIND_I32;
          out.value.i32 = x;
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
          out.kind = AMQP_FIELD_KIND_U32;
          out.value.u32 = x;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out.kind = AMQP_FIELD_KIND_I64;
          out.value.i64 = x;
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          out.kind = AMQP_FIELD_KIND_U64;
          out.value.u64 = x;
        } else if constexpr (std::is_same_v<T, float>) {
          out.kind = AMQP_FIELD_KIND_F32;
          out.value.f32 = x;
        } else if constexpr (std::is_same_v<T, double>) {
          out.kind = AMQP_FIELD_KIND_F64;
          out.value.f64 = x;
        } else if constexpr (std::is_same_v<T, decimal>) {
          out.kind = AMQP_FIELD_KIND_DECIMAL;
          out.value.decimal.decimals = x.scale;
          out.value.decimal.value = x.value;
        } else if constexpr (std::is_same_v<T, timestamp>) {
          out.kind = AMQP_FIELD_KIND_TIMESTAMP;
          out.value.u64 = static_cast<std::uint64_t>(x.time.time_since_epoch().count());
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.kind = AMQP_FIELD_KIND_UTF8;
          out.value.bytes = as_bytes(x);
        } else if constexpr (std::is_same_v<T, bytes>) {
          out.kind = AMQP_FIELD_KIND_BYTES;
          out.value.bytes = as_bytes(x.data);
        } else if constexpr (std::is_same_v<T, array>) {
          out.kind = AMQP_FIELD_KIND_ARRAY;
          out.value.array = array_to_c(x, a);
        } else if constexpr (std::is_same_v<T, table>) {
          out.kind = AMQP_FIELD_KIND_TABLE;
          out.value.table = to_c(x, a);
        }
      },
      v.value());
  return out;
}

field_value value_from_c(const amqp_field_value_t& v) {
  switch (v.kind) {
    case AMQP_FIELD_KIND_BOOLEAN: return field_value(v.value.boolean != 0);
    case AMQP_FIELD_KIND_I8: return field_value(v.value.i8);
    case AMQP_FIELD_KIND_U8: return field_value(v.value.u8);
    case AMQP_FIELD_KIND_I16: return field_value(v.value.i16);
    case AMQP_FIELD_KIND_U16: return field_value(v.value.u16);
    case AMQP_FIELD_KIND_I32: return field_value(v.value.i32);
    case AMQP_FIELD_KIND_U32: return field_value(v.value.u32);
    case AMQP_FIELD_KIND_I64: return field_value(v.value.i64);
    case AMQP_FIELD_KIND_U64: return field_value(v.value.u64);
    case AMQP_FIELD_KIND_F32: return field_value(v.value.f32);
    case AMQP_FIELD_KIND_F64: return field_value(v.value.f64);
    case AMQP_FIELD_KIND_DECIMAL:
      return field_value(decimal{v.value.decimal.decimals, v.value.decimal.value});
    case AMQP_FIELD_KIND_TIMESTAMP: return field_value(timestamp{checked_timestamp(v.value.u64)});
    case AMQP_FIELD_KIND_UTF8: return field_value(to_string(v.value.bytes));
    case AMQP_FIELD_KIND_BYTES: return field_value(bytes{to_string(v.value.bytes)});
    case AMQP_FIELD_KIND_ARRAY: {
      array out;
      out.reserve(static_cast<std::size_t>(v.value.array.num_entries));
      for (int i = 0; i < v.value.array.num_entries; ++i)
        out.push_back(value_from_c(v.value.array.entries[i]));
      return field_value(std::move(out));
    }
    case AMQP_FIELD_KIND_TABLE: return field_value(from_c(v.value.table));
    case AMQP_FIELD_KIND_VOID:
    default: return field_value();
  }
}

}  // namespace

amqp_table_t to_c(const table& t, arena& a) {
  amqp_table_t out{};
  out.num_entries = static_cast<int>(t.size());
  out.entries = t.empty() ? nullptr : a.entries(t.size());
  int i = 0;
  for (const auto& [name, value] : t) {
    out.entries[i].key = as_bytes(name);
    out.entries[i].value = value_to_c(value, a);
    ++i;
  }
  return out;
}

table from_c(const amqp_table_t& t) {
  table out;
  for (int i = 0; i < t.num_entries; ++i)
    out.set(to_string(t.entries[i].key), value_from_c(t.entries[i].value));
  return out;
}

void to_c(const properties& p, amqp_basic_properties_t& out, arena& a) {
  std::memset(&out, 0, sizeof out);
  amqp_flags_t f = AMQP_BASIC_DELIVERY_MODE_FLAG;
  out.delivery_mode = p.persistent ? 2 : 1;
  const auto str = [&](const std::optional<std::string>& v, amqp_bytes_t& field,
                       amqp_flags_t flag) {
    if (!v) return;
    field = as_bytes(*v);
    f |= flag;
  };
  str(p.content_type, out.content_type, AMQP_BASIC_CONTENT_TYPE_FLAG);
  str(p.content_encoding, out.content_encoding, AMQP_BASIC_CONTENT_ENCODING_FLAG);
  str(p.correlation_id, out.correlation_id, AMQP_BASIC_CORRELATION_ID_FLAG);
  str(p.reply_to, out.reply_to, AMQP_BASIC_REPLY_TO_FLAG);
  str(p.message_id, out.message_id, AMQP_BASIC_MESSAGE_ID_FLAG);
  str(p.type, out.type, AMQP_BASIC_TYPE_FLAG);
  str(p.user_id, out.user_id, AMQP_BASIC_USER_ID_FLAG);
  str(p.app_id, out.app_id, AMQP_BASIC_APP_ID_FLAG);
  if (!p.headers.empty()) {
    out.headers = to_c(p.headers, a);
    f |= AMQP_BASIC_HEADERS_FLAG;
  }
  if (p.priority) {
    out.priority = *p.priority;
    f |= AMQP_BASIC_PRIORITY_FLAG;
  }
  if (p.expiration) {
    out.expiration = as_bytes(a.keep(std::to_string(p.expiration->count())));
    f |= AMQP_BASIC_EXPIRATION_FLAG;
  }
  if (p.timestamp) {
    out.timestamp = static_cast<std::uint64_t>(p.timestamp->time_since_epoch().count());
    f |= AMQP_BASIC_TIMESTAMP_FLAG;
  }
  out._flags = f;
}

properties from_c(const amqp_basic_properties_t& p) {
  properties out;
  const amqp_flags_t f = p._flags;
  const auto str = [&](std::optional<std::string>& v, amqp_bytes_t field, amqp_flags_t flag) {
    if (f & flag) v = to_string(field);
  };
  str(out.content_type, p.content_type, AMQP_BASIC_CONTENT_TYPE_FLAG);
  str(out.content_encoding, p.content_encoding, AMQP_BASIC_CONTENT_ENCODING_FLAG);
  str(out.correlation_id, p.correlation_id, AMQP_BASIC_CORRELATION_ID_FLAG);
  str(out.reply_to, p.reply_to, AMQP_BASIC_REPLY_TO_FLAG);
  str(out.message_id, p.message_id, AMQP_BASIC_MESSAGE_ID_FLAG);
  str(out.type, p.type, AMQP_BASIC_TYPE_FLAG);
  str(out.user_id, p.user_id, AMQP_BASIC_USER_ID_FLAG);
  str(out.app_id, p.app_id, AMQP_BASIC_APP_ID_FLAG);
  if (f & AMQP_BASIC_HEADERS_FLAG) out.headers = from_c(p.headers);
  out.persistent = (f & AMQP_BASIC_DELIVERY_MODE_FLAG) && p.delivery_mode == 2;
  if (f & AMQP_BASIC_PRIORITY_FLAG) out.priority = p.priority;
  if (f & AMQP_BASIC_EXPIRATION_FLAG) {
    const std::string s = to_string(p.expiration);
    long long ms = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (ec == std::errc{} && ptr == s.data() + s.size())
      out.expiration = std::chrono::milliseconds(ms);
  }
  if (f & AMQP_BASIC_TIMESTAMP_FLAG) out.timestamp = checked_timestamp(p.timestamp);
  return out;
}

}  // namespace ferry::amqp::detail
