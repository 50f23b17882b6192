// Helpers shared by the Redis integration tests.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "ferry/core/error.hpp"

namespace ferry_redis_test {

/// The ferry::error thrown by `f`; fails the test if nothing (or something else) is thrown.
inline ferry::error thrown_by(const std::function<void()>& f) {
  try {
    f();
  } catch (const ferry::error& e) {
    return e;
  }
  FAIL("expected a ferry::error");
  throw std::logic_error("unreachable");
}

inline std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace ferry_redis_test
