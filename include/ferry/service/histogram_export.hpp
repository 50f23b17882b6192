// ferry/service/histogram_export.hpp — a ferry::histogram (ferry/core/histogram.hpp) as the
// Prometheus writer's histogram_data, in the unit the metric is named in.
//
// Components record integers (microseconds, bytes) on their hot paths; Prometheus wants base
// units (seconds). Bounds and sum are divided by `per_unit`, the recorded units in one of the
// metric's (1e6 microseconds in a second): dividing by a power of ten gives the correctly
// rounded decimal (100 / 1e6 is 0.0001; 100 * 1e-6 is not).
//
//   const auto latency = ferry::service::histogram_export(stats.latency(), 1e6, 6);
//   out.histogram("app_decision_seconds", "Time to answer.", latency);
//   // app_decision_seconds_bucket{le="0.000050"} ... le="+Inf", _sum in seconds, _count
//
// Thread safety: a pure function. Errors: none but std::bad_alloc.
#pragma once

#include <optional>

#include "ferry/core/histogram.hpp"
#include "ferry/export.hpp"
#include "ferry/service/prometheus.hpp"

namespace ferry::service {

/// `s` with its bounds and sum divided by `per_unit`; `le_decimals` as in histogram_data.
[[nodiscard]] FERRY_API histogram_data histogram_export(const ferry::histogram::snapshot& s,
                                                        double per_unit = 1.0,
                                                        std::optional<int> le_decimals = {});

}  // namespace ferry::service
