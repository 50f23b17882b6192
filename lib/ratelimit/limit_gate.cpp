#include "ferry/ratelimit/limit_gate.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace ferry::ratelimit {

limit_gate::limit_gate(limit_gate_options options)
    : breaker_(circuit_breaker_options{.cooldown = options.cooldown,
                                       .failure_threshold = 1,
                                       .clock = std::move(options.clock)}) {}

limit_gate::~limit_gate() = default;

std::size_t limit_gate::add(std::string name, std::unique_ptr<rate_limiter> limiter) {
  if (!limiter) throw std::invalid_argument("limit_gate: limiter '" + name + "' is null");
  limiters_.push_back({std::move(name), std::move(limiter)});
  return limiters_.size() - 1;
}

gate_answer limit_gate::check(std::size_t index, std::string_view key, std::int64_t cost) {
  const auto& entry = limiters_.at(index);
  gate_answer answer;
  answer.limiter = entry.name;
  const auto how = breaker_.admit();
  if (how == circuit_admission::refused) {
    answer.status = gate_status::skipped;
    return answer;
  }
  try {
    const auto d = entry.limiter->acquire(key, cost);
    if (d.degraded) return failure(std::move(answer), "the limiter's store is unavailable", how);
    breaker_.record_success();
    if (d.allowed) return answer;
    answer.status = gate_status::limited;
    // Callers answer in whole seconds (SMTP texts, Retry-After): never 0, which would invite
    // an immediate retry that is denied again.
    answer.retry_after = d.retry_after == std::chrono::milliseconds::max()
                             ? std::chrono::seconds(86400)
                             : std::chrono::ceil<std::chrono::seconds>(d.retry_after);
    answer.retry_after = std::max(answer.retry_after, std::chrono::seconds(1));
    return answer;
  } catch (const std::exception& e) {
    return failure(std::move(answer), e.what(), how);
  }
}

gate_answer limit_gate::failure(gate_answer answer, std::string why, circuit_admission how) {
  answer.status = gate_status::failed;
  answer.error = std::move(why);
  // A trip starts the first cool-down of an outage; a failed probe starts the next one.
  const bool tripped = breaker_.record_failure();
  answer.report = tripped || how == circuit_admission::probe;
  return answer;
}

}  // namespace ferry::ratelimit
