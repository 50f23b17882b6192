// ferry/cache/detail/single_flight.hpp — one in-process load per key: the first caller of a
// key runs the loader, concurrent callers of the same key wait for its result (or exception).
// Internal to cache<T>; not part of the API (names here may change).
//
//   auto [f, leader] = flights.join(key);
//   if (!leader) return f->wait();                       // someone else is loading
//   try { auto r = load(); flights.land(key, f, r, nullptr); return r; }
//   catch (...) { flights.land(key, f, nullptr, std::current_exception()); throw; }
//
// The rule a reader would otherwise get wrong: the leader MUST land() its flight on every
// path, or its waiters block forever. Results are type-erased (shared_ptr<const void>): the
// typed cache<T> above knows what they point to.
//
// Thread safety: thread-safe.
// Errors: wait() rethrows the leader's exception; nothing else throws but std::bad_alloc.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "ferry/export.hpp"

namespace ferry::cache::detail {

/// One in-process load that concurrent callers of the same key wait for.
class FERRY_API flight {
 public:
  /// Blocks until the leader finishes; returns its result or rethrows its exception.
  std::shared_ptr<const void> wait();
  void finish(std::shared_ptr<const void> result, std::exception_ptr error);

 private:
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::shared_ptr<const void> result_;
  std::exception_ptr error_;
};

/// The flights in progress, by key.
class FERRY_API single_flight {
 public:
  /// The flight for `key` and whether the caller leads it (runs the loader).
  [[nodiscard]] std::pair<std::shared_ptr<flight>, bool> join(const std::string& key);
  /// Removes the flight (so later callers start a new one, or read what the leader stored)
  /// and wakes its waiters with `result` or `error`.
  void land(const std::string& key, const std::shared_ptr<flight>& f,
            std::shared_ptr<const void> result, std::exception_ptr error);
  /// Flights in progress.
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<flight>> flights_;
};

}  // namespace ferry::cache::detail
