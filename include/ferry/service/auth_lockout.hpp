// ferry/service/auth_lockout.hpp — counts failed authentications per client address, so the
// admin server can answer 429 to an address that keeps guessing tokens.
//
// Only failures are counted and only a failing request is ever refused: the server checks the
// token first and asks the lockout nothing when it is right, so a neighbour behind the same
// address (a NAT, a node's kubelet) cannot lock the operator or a probe out.
//
//   auth_lockout lockout{{.failures = 5, .window = std::chrono::minutes(1)}};
//   if (auto v = lockout.record_failure(addr, steady_clock::now()); v.locked) answer 429 ...
//
// Thread safety: thread-safe.
// Errors: the constructor throws std::invalid_argument for failures < 1 or window <= 0.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ferry/export.hpp"

namespace ferry::service {

struct auth_lockout_options {
  int failures = 5;  ///< failures allowed per address within `window`; the next is locked
  std::chrono::seconds window{60};
  std::size_t max_addresses = 10000;  ///< tracked at once; the oldest entries go first
};

class FERRY_API auth_lockout {
 public:
  using clock = std::chrono::steady_clock;

  struct verdict {
    bool locked = false;
    std::chrono::seconds retry_after{0};  ///< >= 1 s when locked
  };

  explicit auth_lockout(auth_lockout_options options);

  /// Records one failure of `address` at `now`: locked once more than `failures` fell within
  /// the window, with the wait until the oldest of them leaves it.
  verdict record_failure(const std::string& address, clock::time_point now);

 private:
  auth_lockout_options opts_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<clock::time_point>> failures_;
};

}  // namespace ferry::service
