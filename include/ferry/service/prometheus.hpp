// ferry/service/prometheus.hpp — Prometheus text exposition (format 0.0.4) for a /metrics
// endpoint: a registry of collectors, each of which writes the current values of one
// component's stats (a worker's counters, a cache's hits, a queue's depths) when scraped.
//
// The writer enforces the format's rules, which hand-written exposition gets wrong: each
// family's samples stay together under one `# HELP` and one `# TYPE` line, however many
// collectors or loops add to it; metric and label names are checked ([a-zA-Z_:][a-zA-Z0-9_:]*,
// labels without ':' and not starting with "__"); label values escape \ " and newline, help
// texts \ and newline; integers are written exactly and doubles as the shortest text that reads
// back the same, with +Inf, -Inf and NaN spelled as Prometheus spells them.
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

#include <concepts>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

/// Label names and values of one sample, in the order they are written.
using metric_labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// A sample's value: any integer (written exactly) or a double.
class metric_value {
 public:
  template <std::integral T>
  metric_value(T v) noexcept {  // NOLINT: implicit on purpose, out.counter(name, help, n)
    if constexpr (std::is_signed_v<T>) {
      v_ = static_cast<std::int64_t>(v);
    } else {
      v_ = static_cast<std::uint64_t>(v);
    }
  }
  metric_value(double v) noexcept : v_(v) {}  // NOLINT: implicit on purpose

  /// The value as the text format writes it: "42", "0.25", "+Inf", "NaN".
  [[nodiscard]] FERRY_API std::string text() const;

 private:
  std::variant<std::int64_t, std::uint64_t, double> v_;
};

/// A histogram's state: cumulative counts per upper bound (ascending, without +Inf), the sum
/// of the observed values and their count (the +Inf bucket).
struct histogram_data {
  std::vector<std::pair<double, std::uint64_t>> buckets;
  double sum = 0;
  std::uint64_t count = 0;
  /// How the bounds are written in the `le` label: nullopt, the shortest text ("0.0001");
  /// N, fixed with N decimals ("0.000100") — to keep the label values existing series use.
  std::optional<int> le_decimals{};
};

enum class metric_type { counter, gauge, histogram, untyped };

/// Collects the samples of one scrape and writes them out grouped by family.
class FERRY_API metrics_writer {
 public:
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

  void counter(std::string_view name, std::string_view help, metric_value value,
               const metric_labels& labels = {});
  void gauge(std::string_view name, std::string_view help, metric_value value,
             const metric_labels& labels = {});
  /// Writes <name>_bucket{le=...} for every bound and +Inf, <name>_sum and <name>_count.
  void histogram(std::string_view name, std::string_view help, const histogram_data& h,
                 const metric_labels& labels = {});
  /// The exposition so far, families in the order first added.
  [[nodiscard]] std::string text() const;

 private:
  struct family {
    std::string name;
    metric_type type;
    std::string help;
    std::vector<std::string> label_sets;  // each sample's rendered labels, to refuse repeats
    std::string lines;
  };
  family& family_of(std::string_view name, metric_type type, std::string_view help);
  void sample(family& f, std::string_view suffix, const metric_labels& labels,
              const std::pair<std::string_view, std::string>* extra, const metric_value& v);

  std::vector<family> families_;
};

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
