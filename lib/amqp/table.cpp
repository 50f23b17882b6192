#include "ferry/amqp/table.hpp"

#include <limits>

namespace ferry::amqp {

table::table(std::initializer_list<entry> entries) {
  for (const auto& e : entries) set(e.first, e.second);
}

table& table::set(std::string name, field_value value) {
  for (auto& e : entries_) {
    if (e.first == name) {
      e.second = std::move(value);
      return *this;
    }
  }
  entries_.emplace_back(std::move(name), std::move(value));
  return *this;
}

bool table::erase(std::string_view name) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == name) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

const field_value* table::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.first == name) return &e.second;
  return nullptr;
}

std::optional<std::string> table::get_string(std::string_view name) const {
  const field_value* v = find(name);
  if (v == nullptr) return std::nullopt;
  const std::string* s = v->as_string();
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

std::optional<std::int64_t> table::get_int(std::string_view name) const {
  const field_value* v = find(name);
  return v ? v->as_int() : std::nullopt;
}

bool operator==(const table& a, const table& b) {
  return a.entries_ == b.entries_;
}

std::optional<std::int64_t> field_value::as_int() const noexcept {
  return std::visit(
      [](const auto& x) -> std::optional<std::int64_t> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::uint64_t>) {
          if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
          return static_cast<std::int64_t>(x);
        } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          return static_cast<std::int64_t>(x);
        } else {
          return std::nullopt;
        }
      },
      v_);
}

std::optional<bool> field_value::as_bool() const noexcept {
  if (const bool* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}

std::optional<double> field_value::as_double() const noexcept {
  if (const double* d = std::get_if<double>(&v_)) return *d;
  if (const float* f = std::get_if<float>(&v_)) return static_cast<double>(*f);
  return std::nullopt;
}

const std::string* field_value::as_string() const noexcept {
  if (const std::string* s = std::get_if<std::string>(&v_)) return s;
  if (const bytes* b = std::get_if<bytes>(&v_)) return &b->data;
  return nullptr;
}

}  // namespace ferry::amqp
