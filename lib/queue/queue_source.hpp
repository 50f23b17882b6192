// queue_source.hpp — the reliable queue as a delivery_source for worker_runtime (queue::worker).
//
// Each round trip applies the failed outcomes (queue::fail / fail_permanently, one script call
// each), then acks the successful ones and leases new jobs in ONE script call
// (queue::ack_and_reserve). When the last call found nothing ready and nothing is to be
// settled it blocks on the queue's doorbell (reserve_many) instead. It extends the leases of
// held jobs past half their lease (upkeep, every quarter lease).
//
// A delivery's `native` is the queue::job without its payload (the payload is the delivery's).
// The Redis queue's retries follow its retry policy: a delay asked for in outcome::retry is
// not used.
//
// Thread safety: exchange/upkeep from one thread (the runtime's fetch thread); the counters
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ferry/core/delivery_source.hpp"
#include "ferry/queue/job.hpp"

namespace ferry::queue {
class queue;
}

namespace ferry::queue::detail {

class queue_source final : public delivery_source {
 public:
  queue_source(queue& q, std::chrono::milliseconds lease) : q_(q), lease_(lease) {}

  [[nodiscard]] std::vector<delivery> exchange(std::vector<settlement>& done, std::size_t want,
                                               std::chrono::milliseconds wait) override;
  void upkeep() override;
  [[nodiscard]] std::chrono::milliseconds upkeep_interval() const override {
    return std::max(lease_ / 4, std::chrono::milliseconds{1});
  }

  /// Acks that found the lease still theirs.
  [[nodiscard]] std::uint64_t acked() const noexcept { return acked_.load(); }
  /// Acks, failures or extensions that found the lease gone.
  [[nodiscard]] std::uint64_t lease_lost() const noexcept { return lease_lost_.load(); }

 private:
  void settle_failures(std::vector<settlement>& done);
  [[nodiscard]] std::vector<delivery> take(std::vector<job>&& jobs);

  queue& q_;
  std::chrono::milliseconds lease_;
  bool starved_ = false;  // the last fetch found nothing ready
  // Every held job: id -> {lease token, lease end}, for lease extension.
  std::unordered_map<std::string, std::pair<std::string, clock::time_point>> held_;
  std::atomic<std::uint64_t> acked_{0}, lease_lost_{0};
};

}  // namespace ferry::queue::detail
