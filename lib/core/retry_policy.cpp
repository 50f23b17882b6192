#include "ferry/core/retry_policy.hpp"

#include <cmath>
#include <stdexcept>

namespace ferry {

void retry_policy::validate() const {
  if (max_attempts < 1) throw std::invalid_argument("retry_policy: max_attempts must be >= 1");
  if (base.count() < 0) throw std::invalid_argument("retry_policy: base must not be negative");
  if (cap < base) throw std::invalid_argument("retry_policy: cap must be >= base");
  if (!(multiplier >= 1.0) || !std::isfinite(multiplier))
    throw std::invalid_argument("retry_policy: multiplier must be a finite number >= 1");
}

std::chrono::milliseconds retry_policy::nominal_delay(int attempt) const noexcept {
  if (attempt < 1) attempt = 1;
  // Computed in double so large attempt numbers saturate at the cap instead of overflowing.
  const double raw = static_cast<double>(base.count()) * std::pow(multiplier, attempt - 1);
  const double capped = std::min(raw, static_cast<double>(cap.count()));
  if (!(capped >= 0.0)) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
}

std::chrono::milliseconds retry_policy::delay_for(int attempt, std::mt19937_64& rng) const {
  const std::int64_t d = nominal_delay(attempt).count();
  switch (jitter) {
    case jitter_mode::none: return std::chrono::milliseconds(d);
    case jitter_mode::full: {
      std::uniform_int_distribution<std::int64_t> dist(0, d);
      return std::chrono::milliseconds(dist(rng));
    }
    case jitter_mode::equal: {
      std::uniform_int_distribution<std::int64_t> dist(d / 2, d);
      return std::chrono::milliseconds(dist(rng));
    }
  }
  return std::chrono::milliseconds(d);
}

}  // namespace ferry
