#include "celery/worker_parts.hpp"

namespace ferry::celery::detail {

void handoff::push(job j) {
  {
    std::lock_guard lk(mu_);
    ready_.push_back(std::move(j));
    ++in_flight_;
  }
  jobs_.notify_one();
}

std::optional<job> handoff::take(bool queue_early_ack, bool& refill) {
  std::unique_lock lk(mu_);
  jobs_.wait(lk, [&] { return !ready_.empty() || shutting_down_; });
  if (ready_.empty()) return std::nullopt;
  job j = std::move(ready_.front());
  ready_.pop_front();
  // Wake the consumer when the waiting tasks run out, not after every task: it then refills
  // the whole window in one fetch. An early-acked task has left the window as it starts, so
  // that fetch overlaps the last task's run; a late-acked one leaves it when it finishes.
  refill = ready_.empty();
  if (queue_early_ack) early_acks_.push_back(j.delivery_tag);
  return j;
}

void handoff::finished() {
  bool refill = false;
  {
    std::lock_guard lk(mu_);
    --in_flight_;
    refill = ready_.empty();
  }
  if (refill) room_.notify_all();  // a late ack's room; the shutdown wait
}

std::size_t handoff::room(bool held_full, std::chrono::milliseconds& wait,
                          std::vector<std::string>& acks) {
  using std::chrono::milliseconds;
  std::unique_lock lk(mu_);
  const auto no_room = [&] { return held_full || window_used() >= prefetch_; };
  if (no_room()) {
    if (early_acks_.empty()) {
      room_.wait_for(lk, wait);
      return 0;
    }
    // Early acks wait a moment for room, to ride along with the next fetch (short tasks free
    // it within microseconds); past that they go on their own.
    if (!room_.wait_for(lk, milliseconds(5), [&] { return !no_room(); })) {
      acks.swap(early_acks_);
      return 0;
    }
  }
  acks.swap(early_acks_);
  // Tasks handed over but not yet taken will ack soon: block only briefly, so those acks are
  // not held up by a long wait on an empty queue.
  if (!acks_late_ && !ready_.empty()) wait = std::min(wait, milliseconds(10));
  return prefetch_ - window_used();
}

bool handoff::wait_idle(std::chrono::milliseconds slice) {
  std::unique_lock lk(mu_);
  if (in_flight_ == 0) return true;
  room_.wait_for(lk, slice);
  return in_flight_ == 0;
}

void handoff::shut_down() {
  {
    std::lock_guard lk(mu_);
    shutting_down_ = true;
  }
  jobs_.notify_all();
}

void handoff::reopen() {
  std::lock_guard lk(mu_);
  shutting_down_ = false;
}

std::vector<std::string> handoff::take_acks() {
  std::lock_guard lk(mu_);
  return std::exchange(early_acks_, {});
}

}  // namespace ferry::celery::detail
