// Conversions between ferry's AMQP value types and rabbitmq-c's C structs (private).
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "amqp/detail/rabbitmq_c.hpp"
#include "ferry/amqp/message.hpp"
#include "ferry/amqp/table.hpp"

namespace ferry::amqp::detail {

// Owns the memory behind C structs built from C++ values. String data is not copied: the
// C structs point into the C++ values, which must outlive the arena's use.
class arena {
 public:
  amqp_table_entry_t* entries(std::size_t n) { return e_.emplace_back(n).data(); }
  amqp_field_value_t* values(std::size_t n) { return v_.emplace_back(n).data(); }
  std::string& keep(std::string s) { return s_.emplace_back(std::move(s)); }

 private:
  std::deque<std::vector<amqp_table_entry_t>> e_;
  std::deque<std::vector<amqp_field_value_t>> v_;
  std::deque<std::string> s_;
};

inline amqp_bytes_t as_bytes(std::string_view s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());  // rabbitmq-c never writes through it
  return b;
}

inline std::string to_string(amqp_bytes_t b) {
  if (b.len == 0 || b.bytes == nullptr) return {};
  return {static_cast<const char*>(b.bytes), b.len};
}

amqp_table_t to_c(const table& t, arena& a);
table from_c(const amqp_table_t& t);

// Fills `out` from `p`; the C struct points into `p` and `a`.
void to_c(const properties& p, amqp_basic_properties_t& out, arena& a);
properties from_c(const amqp_basic_properties_t& p);

}  // namespace ferry::amqp::detail
