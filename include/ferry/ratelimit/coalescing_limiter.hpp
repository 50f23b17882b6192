// ferry/ratelimit/coalescing_limiter.hpp — a redis_limiter front for many threads of one
// process: concurrent acquire() calls are gathered into one script call per round trip.
//
// Use it where many threads (request handlers, a thread pool) ask the same Redis for
// decisions at a high rate. One decision alone is bounded by one round trip; here, while one
// batch is on the wire, the calls that arrive queue up and the next caller takes them all
// (up to max_batch) into ONE script that decides them in arrival order, atomically, at one
// server instant (redis_limiter::acquire_many). No thread of its own and no added delay: a
// lone caller goes straight out, as with redis_limiter.
//
//   ferry::ratelimit::coalescing_limiter api{redis, {.limits = {{100, std::chrono::seconds{1}}}}};
//   // on any number of threads:
//   if (auto d = api.acquire("user:" + id); !d) return http_429(d.retry_after);
//
// The rule a reader would otherwise get wrong: every decision is exactly the one the wrapped
// redis_limiter would make if the calls of a batch had arrived one after another within the
// same microsecond; no decision is guessed locally. A batch may mix keys, so with Redis
// Cluster use it only when all its keys share one slot (one {hash tag}).
//
// Thread safety: thread-safe; that is its purpose.
// Errors: as redis_limiter (failure_mode for transient store errors, which then degrade
// every decision of the batch); std::invalid_argument for a bad key or cost.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "ferry/export.hpp"
#include "ferry/ratelimit/redis_limiter.hpp"

namespace ferry::ratelimit {

struct coalescing_options {
  /// Most decisions in one script call (bounds the script's run time on the server).
  std::size_t max_batch = 128;
  /// Batches on the wire at the same time, each on its own pooled connection.
  std::size_t max_in_flight = 2;
};

class FERRY_API coalescing_limiter final : public rate_limiter {
 public:
  /// `redis` must outlive the limiter; its pool needs max_in_flight connections.
  coalescing_limiter(redis::client& redis, redis_limiter_options options,
                     coalescing_options coalescing = {});
  ~coalescing_limiter() override;
  coalescing_limiter(const coalescing_limiter&) = delete;
  coalescing_limiter& operator=(const coalescing_limiter&) = delete;

  /// Blocks for the round trip of the batch this call joins (usually one, at most two).
  [[nodiscard]] rate_decision acquire(std::string_view key, std::int64_t cost = 1) override;
  [[nodiscard]] std::span<const rate_limit> limits() const noexcept override;

  /// Store errors turned into degraded decisions so far (per batch).
  [[nodiscard]] std::uint64_t errors() const noexcept;
  /// Script calls made so far; decisions() / batches() is the mean batch size.
  [[nodiscard]] std::uint64_t batches() const noexcept;
  [[nodiscard]] std::uint64_t decisions() const noexcept;
  /// Deletes the recorded state of `key` (all its limits).
  void reset(std::string_view key);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::ratelimit
