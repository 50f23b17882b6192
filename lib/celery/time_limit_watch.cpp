#include "celery/worker_parts.hpp"

namespace ferry::celery::detail {

std::uint64_t time_limit_watch::begin(time_limits limits, std::atomic<bool>& soft_flag,
                                      std::atomic<bool>& hard_flag, const job& j) {
  std::lock_guard lk(mu_);
  const auto slot = next_slot_++;
  running_.emplace(slot, running_task{std::chrono::steady_clock::now(), limits, &soft_flag,
                                      &hard_flag, j.request.id, j.delivery_tag, false});
  return slot;
}

void time_limit_watch::end(std::uint64_t slot) {
  std::lock_guard lk(mu_);
  running_.erase(slot);
}

bool time_limit_watch::check(std::vector<over_limit>& hard) {
  std::lock_guard lk(mu_);
  const auto now = std::chrono::steady_clock::now();
  bool pending = false;
  for (auto& [slot, rt] : running_) {
    const auto& l = rt.limits;
    if ((l.soft && !rt.soft_flag->load()) || (l.hard && !rt.hard_reported)) pending = true;
    if (l.soft && now - rt.started >= *l.soft) rt.soft_flag->store(true);
    if (l.hard && !rt.hard_reported && now - rt.started >= *l.hard) {
      rt.hard_reported = true;
      rt.hard_flag->store(true);
      hard.push_back({rt.id, rt.delivery_tag, *l.hard});
    }
  }
  return pending;
}

}  // namespace ferry::celery::detail
