// ferry/service/prometheus.hpp — Prometheus text exposition (format 0.0.4) for a /metrics
// endpoint: a registry of collectors, each of which writes the current values of one
// component's stats (a worker's counters, a cache's hits, a queue's depths) when scraped, with
// the writer of ferry/core/metrics_writer.hpp (which checks the format's rules).
//
//   ferry::service::metrics_registry metrics;
//   metrics.add([&w](ferry::service::metrics_writer& out) {
//     const auto s = w.stats();  // a queue::worker_stats snapshot
//     out.counter("ferry_jobs_acked_total", "Jobs acked.", s.acked);
//     out.gauge("ferry_queue_depth", "Jobs ready.", depth, {{"queue", "emails"}});
//   });
//   routes.add("GET", "/metrics", route_access::probe, 0, metrics.handler());
//
// The rule a reader would get wrong: collectors run on the scraping request's thread, at
// every scrape — read atomics or take snapshots there; do not block on slow I/O.
//
// Thread safety: metrics_registry is thread-safe (collectors run one scrape at a time);
// metrics_writer is thread-compatible (one per scrape).
// Errors: the writer throws std::invalid_argument for a malformed metric or label name, a
// family added again with another type or help, or a sample repeated with the same labels.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/core/metrics_writer.hpp"
#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

/// The writer and its types live in core (ferry/core/metrics_writer.hpp), so that every
/// component can write its stats; they keep their names here.
using ferry::histogram_data;
using ferry::metric_labels;
using ferry::metric_type;
using ferry::metric_value;
using ferry::metrics_writer;

/// The collectors a service's components registered; scrape() runs them all.
class FERRY_API metrics_registry {
 public:
  using collector = std::function<void(metrics_writer&)>;

  /// Adds a collector, run at every scrape in the order added.
  void add(collector c);
  /// The exposition of every collector now. A collector that throws fails the scrape.
  [[nodiscard]] std::string scrape() const;
  /// A route handler answering scrape() (500 when a collector threw). The registry must
  /// outlive the server serving it.
  [[nodiscard]] http_handler handler() const;

 private:
  mutable std::mutex mutex_;
  std::vector<collector> collectors_;
};

}  // namespace ferry::service
