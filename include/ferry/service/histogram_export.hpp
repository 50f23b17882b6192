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

#include "ferry/core/metrics_writer.hpp"
#include "ferry/service/prometheus.hpp"

namespace ferry::service {

/// In core since the writer moved there (ferry/core/metrics_writer.hpp); kept here by name.
using ferry::histogram_export;

}  // namespace ferry::service
