// ferry/core/histogram.hpp — counts of observed values per bucket, for a latency or size
// distribution that a component records on a hot path and a metrics endpoint reads.
//
// The buckets are fixed at construction by their upper bounds: a value lands in the first
// bucket whose bound it does not exceed, or in the overflow bucket past the last bound (+Inf
// in Prometheus). Recording is a few relaxed atomic increments, no lock, no allocation.
//
//   ferry::histogram latency({50, 100, 250, 500, 1000});  // microseconds
//   latency.observe(80);                                  // the "100" bucket
//   const auto s = latency.read();  // s.buckets = {{50, 0}, {100, 1}, ...} cumulative
//
// The rule a reader would get wrong: read() returns CUMULATIVE counts (each bucket counts
// every value up to its bound), as Prometheus exposes them; `count` includes the overflow
// bucket. A snapshot is read bucket by bucket while others record, so it may be off by the
// values recorded meanwhile, never by more.
//
// Thread safety: thread-safe. Errors: the constructor throws std::invalid_argument for bounds
// that are empty or not strictly ascending; nothing else throws but std::bad_alloc in read().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <ferry/export.hpp>

namespace ferry {

class FERRY_API histogram {
 public:
  /// What read() returns: (upper bound, values <= bound) per bucket, the sum and the count
  /// of every value observed.
  struct snapshot {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets;
    std::uint64_t sum = 0;
    std::uint64_t count = 0;
  };

  explicit histogram(std::vector<std::uint64_t> upper_bounds);

  /// Records one value.
  void observe(std::uint64_t value) noexcept;
  /// The cumulative counts now.
  [[nodiscard]] snapshot read() const;
  [[nodiscard]] const std::vector<std::uint64_t>& upper_bounds() const noexcept { return bounds_; }

 private:
  std::vector<std::uint64_t> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then overflow
  std::atomic<std::uint64_t> sum_{0};
};

}  // namespace ferry
