#include "queue/queue_source.hpp"

#include <any>
#include <optional>

#include "ferry/core/error.hpp"
#include "ferry/queue/queue.hpp"

namespace ferry::queue::detail {

std::vector<delivery> queue_source::take(std::vector<job>&& jobs) {
  std::vector<delivery> out;
  out.reserve(jobs.size());
  for (auto& j : jobs) {
    held_[j.id] = {j.lease_token, j.lease_until};
    delivery d;
    d.id = j.id;
    d.queue = q_.name();
    d.payload = std::move(j.payload);
    d.attempt = j.attempts;
    if (j.max_attempts > 0) d.max_attempts = j.max_attempts;
    d.last_error = j.last_error;
    d.native = std::move(j);
    out.push_back(std::move(d));
  }
  return out;
}

// Failures are rare: one script call each, removed from `done` as soon as applied.
void queue_source::settle_failures(std::vector<settlement>& done) {
  for (std::size_t i = 0; i < done.size();) {
    const auto& s = done[i];
    if (s.verdict.what() == outcome::kind::ack || s.verdict.what() == outcome::kind::reject) {
      ++i;
      continue;
    }
    const auto& j = std::any_cast<const job&>(s.what.native);
    const auto r = s.verdict.what() == outcome::kind::dead_letter
                       ? q_.fail_permanently(j, s.verdict.reason())
                       : q_.fail(j, s.verdict.reason());
    if (r.outcome == fail_outcome::lease_lost) lease_lost_.fetch_add(1);
    held_.erase(j.id);
    done[i] = std::move(done.back());
    done.pop_back();
  }
}

std::vector<delivery> queue_source::exchange(std::vector<settlement>& done, std::size_t want,
                                             std::chrono::milliseconds wait) {
  settle_failures(done);
  if (done.empty() && want == 0) return {};
  if (done.empty() && starved_) {
    // Nothing to settle and Redis had nothing: block on the queue's doorbell.
    auto got = q_.reserve_many(want, wait, lease_);
    starved_ = got.empty();
    return take(std::move(got));
  }
  std::vector<job> acks;
  acks.reserve(done.size());
  // Copies, not moves: if the round trip fails, `done` is handed back whole next time. They
  // are small (the payload went to the handler's delivery).
  for (const auto& s : done) acks.push_back(std::any_cast<const job&>(s.what.native));
  auto r = q_.ack_and_reserve(acks, want, lease_);
  acked_.fetch_add(r.acked);
  lease_lost_.fetch_add(acks.size() - r.acked);
  for (const auto& j : acks) held_.erase(j.id);
  done.clear();
  starved_ = want > 0 && r.jobs.empty();
  return take(std::move(r.jobs));
}

void queue_source::upkeep() {
  const auto threshold = clock::now() + lease_ / 2;
  std::optional<ferry::error> first_error;
  for (auto& [id, hold] : held_) {
    auto& [token, until] = hold;
    if (until >= threshold) continue;
    job j;
    j.id = id;
    j.lease_token = token;
    try {
      if (q_.extend(j, lease_)) {
        until = j.lease_until;
      } else {
        lease_lost_.fetch_add(1);
        until = clock::time_point::max();  // nothing left to extend
      }
    } catch (const ferry::error& e) {
      if (!first_error) first_error = e;  // try the others; report one
    }
  }
  if (first_error) throw *first_error;
}

}  // namespace ferry::queue::detail
