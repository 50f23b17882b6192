#include "ferry/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ferry {

void retry_policy::validate() const {
  if (max_attempts < 1) throw std::invalid_argument("retry_policy: max_attempts must be >= 1");
  if (base.count() < 0) throw std::invalid_argument("retry_policy: base must be >= 0");
  if (cap < base) throw std::invalid_argument("retry_policy: cap must be >= base");
  if (!(multiplier >= 1.0)) throw std::invalid_argument("retry_policy: multiplier must be >= 1");
}

std::chrono::milliseconds retry_policy::nominal_delay(int attempt) const noexcept {
  const int n = std::max(attempt, 1);
  // Computed in double so large attempt numbers saturate at the cap instead of overflowing.
  const double d = static_cast<double>(base.count()) * std::pow(multiplier, n - 1);
  const double c = static_cast<double>(cap.count());
  if (!(d < c)) return cap;
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(d)};
}

std::chrono::milliseconds retry_policy::delay_for(int attempt, std::mt19937_64& rng) const {
  const auto d = nominal_delay(attempt).count();
  if (d <= 0) return std::chrono::milliseconds{0};
  switch (jitter) {
    case jitter_mode::none: return std::chrono::milliseconds{d};
    case jitter_mode::full:
      return std::chrono::milliseconds{
          std::uniform_int_distribution<std::chrono::milliseconds::rep>{0, d}(rng)};
    case jitter_mode::equal: break;
  }
  return std::chrono::milliseconds{
      std::uniform_int_distribution<std::chrono::milliseconds::rep>{d / 2, d}(rng)};
}

}  // namespace ferry
