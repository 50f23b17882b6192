#include "amqp_codec.hpp"

#include <cmath>
#include <variant>
#include <vector>

#include "amqp/detail/c_types.hpp"
#include "fuzz_check.hpp"

namespace ferry::fuzz {
namespace {

// rabbitmq-c allocates decoded values in a pool; one per decode.
class pool {
 public:
  pool() { init_amqp_pool(&p_, 4096); }
  ~pool() { empty_amqp_pool(&p_); }
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  amqp_pool_t* get() { return &p_; }

 private:
  amqp_pool_t p_{};
};

amqp_bytes_t as_bytes(std::string& s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = s.data();
  return b;
}

bool value_has_nan(const amqp::field_value& v) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_floating_point_v<T>) {
          return std::isnan(x);
        } else if constexpr (std::is_same_v<T, amqp::array>) {
          for (const auto& e : x) {
            if (value_has_nan(e)) return true;
          }
          return false;
        } else if constexpr (std::is_same_v<T, amqp::table>) {
          return has_nan(x);
        } else {
          return false;
        }
      },
      v.value());
}

}  // namespace

std::optional<amqp::table> decode_table(std::string_view wire) {
  std::string copy(wire);
  pool p;
  amqp_table_t t{};
  std::size_t offset = 0;
  if (amqp_decode_table(as_bytes(copy), p.get(), &t, &offset) != AMQP_STATUS_OK) {
    return std::nullopt;
  }
  return amqp::detail::from_c(t);
}

std::string encode_table(const amqp::table& t) {
  amqp::detail::arena a;
  amqp_table_t c = amqp::detail::to_c(t, a);
  for (std::size_t size = 4096;; size *= 4) {
    std::string buf(size, '\0');
    std::size_t offset = 0;
    const int rc = amqp_encode_table(as_bytes(buf), &c, &offset);
    if (rc == AMQP_STATUS_OK) return buf.substr(0, offset);
    check(rc == AMQP_STATUS_TABLE_TOO_BIG && size < (1u << 28), "rabbitmq-c cannot encode a table",
          amqp_error_string2(rc));
  }
}

std::optional<amqp::properties> decode_properties(std::string_view wire) {
  std::string copy(wire);
  pool p;
  void* decoded = nullptr;  // an amqp_basic_properties_t in the pool
  if (amqp_decode_properties(AMQP_BASIC_CLASS, p.get(), as_bytes(copy), &decoded) !=
      AMQP_STATUS_OK) {
    return std::nullopt;
  }
  return amqp::detail::from_c(*static_cast<const amqp_basic_properties_t*>(decoded));
}

std::string encode_properties(const amqp::properties& p) {
  amqp::detail::arena a;
  amqp_basic_properties_t c{};
  amqp::detail::to_c(p, c, a);
  for (std::size_t size = 4096;; size *= 4) {
    std::string buf(size, '\0');
    const int rc = amqp_encode_properties(AMQP_BASIC_CLASS, &c, as_bytes(buf));
    if (rc >= 0) return buf.substr(0, static_cast<std::size_t>(rc));
    // rabbitmq-c says "too big" or "bad data" alike when the buffer is too small.
    check(size < (1u << 28), "rabbitmq-c cannot encode properties", amqp_error_string2(rc));
  }
}

bool has_nan(const amqp::table& t) {
  for (const auto& [name, value] : t) {
    if (value_has_nan(value)) return true;
  }
  return false;
}

}  // namespace ferry::fuzz
