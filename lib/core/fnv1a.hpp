// fnv1a.hpp — a stable 64-bit FNV-1a hash for naming things that carry no id of their own
// (dead letters without a message or task id). Private; header-only, so every component may
// include it. Not for security: stable across processes and runs is the point.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace ferry::detail {

class fnv1a64 {
 public:
  void mix(std::string_view s) noexcept {
    for (const char c : s) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= 1099511628211ULL;
    }
  }
  /// "h" + 16 lowercase hex digits.
  [[nodiscard]] std::string id() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "h%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  std::uint64_t h_ = 14695981039346656037ULL;
};

}  // namespace ferry::detail
