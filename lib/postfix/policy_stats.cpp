#include "ferry/postfix/policy_stats.hpp"

#include <stdexcept>
#include <utility>

namespace ferry::postfix {

static_assert(static_cast<std::size_t>(server_event::decision_timeout) + 1 == 7,
              "policy_stats::event_count must cover every server_event");

std::vector<std::uint64_t> policy_stats::default_latency_bounds_us() {
  return {50,     100,    250,    500,     1'000,   2'500,   5'000,
          10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000};
}

policy_stats::policy_stats(std::size_t kinds, std::vector<std::uint64_t> latency_bounds_us)
    : kinds_(kinds), latency_(std::move(latency_bounds_us)) {
  if (kinds == 0) throw std::invalid_argument("policy_stats needs at least one decision kind");
  answers_ = std::make_unique<std::atomic<std::uint64_t>[]>(kinds);
}

void policy_stats::record(const answered& a) noexcept {
  if (a.made.kind < kinds_) answers_[a.made.kind].fetch_add(1, std::memory_order_relaxed);
  latency_.observe(static_cast<std::uint64_t>(a.latency.count() < 0 ? 0 : a.latency.count()));
}

void policy_stats::record(server_event e) noexcept {
  events_[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
}

void policy_stats::attach(policy_handler& handler) {
  handler.on_answer = [this, next = std::move(handler.on_answer)](const answered& a) {
    record(a);
    if (next) next(a);
  };
  handler.on_event = [this, next = std::move(handler.on_event)](server_event e) {
    record(e);
    if (next) next(e);
  };
}

std::uint64_t policy_stats::answers(std::size_t kind) const noexcept {
  return kind < kinds_ ? answers_[kind].load(std::memory_order_relaxed) : 0;
}

std::uint64_t policy_stats::events(server_event e) const noexcept {
  return events_[static_cast<std::size_t>(e)].load(std::memory_order_relaxed);
}

std::uint64_t policy_stats::open_connections() const noexcept {
  // Closed is read first: a connection closing between the two reads is never counted as
  // closed but not opened (the gauge cannot wrap below zero).
  const auto closed = events(server_event::connection_closed);
  const auto opened = events(server_event::connection_opened);
  return opened >= closed ? opened - closed : 0;
}

}  // namespace ferry::postfix
