#include "ferry/service/histogram_export.hpp"

namespace ferry::service {

histogram_data histogram_export(const ferry::histogram::snapshot& s, double per_unit,
                                std::optional<int> le_decimals) {
  histogram_data out;
  out.buckets.reserve(s.buckets.size());
  for (const auto& [bound, cumulative] : s.buckets) {
    out.buckets.emplace_back(static_cast<double>(bound) / per_unit, cumulative);
  }
  out.sum = static_cast<double>(s.sum) / per_unit;
  out.count = s.count;
  out.le_decimals = le_decimals;
  return out;
}

}  // namespace ferry::service
