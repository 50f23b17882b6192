#include "ferry/redis/keys.hpp"

#include <stdexcept>

namespace ferry::redis {

std::uint16_t crc16(std::string_view data) noexcept {
  std::uint16_t crc = 0;
  for (char ch : data) {
    crc = static_cast<std::uint16_t>(
        crc ^ (static_cast<std::uint16_t>(static_cast<unsigned char>(ch)) << 8));
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::uint16_t hash_slot(std::string_view key) noexcept {
  // Cluster spec: hash only the part between the first '{' and the first '}' after it, if
  // that part is non-empty; otherwise the whole key.
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(crc16(key) & 16383);
}

key_space::key_space(std::string prefix) {
  if (prefix.empty()) throw std::invalid_argument("key_space prefix must not be empty");
  head_ = std::move(prefix);
  head_ += ':';
}

key_space::key_space(std::string prefix, std::string tag) : key_space(std::move(prefix)) {
  if (tag.empty() || tag.find_first_of("{}") != std::string::npos) {
    throw std::invalid_argument("key_space tag must be non-empty and free of '{' and '}'");
  }
  head_ += '{';
  head_ += tag;
  head_ += "}:";
}

std::string key_space::key(std::string_view name) const {
  if (name.empty()) throw std::invalid_argument("Redis key name must not be empty");
  std::string k;
  k.reserve(head_.size() + name.size());
  k += head_;
  k += name;
  return k;
}

key_space key_space::child(std::string_view name) const {
  if (name.empty()) throw std::invalid_argument("key_space child name must not be empty");
  key_space s;
  s.head_ = head_;
  s.head_ += name;
  s.head_ += ':';
  return s;
}

}  // namespace ferry::redis
