// ferry/core/metrics_writer.hpp — Prometheus text exposition (format 0.0.4): the writer every
// component's stats are written with, for a service's /metrics endpoint.
//
// A component that counts things offers a function writing its stats here (a policy server's
// answers, a cache's hits, rate limits' denials); a service runs them at each scrape, through
// ferry::service::metrics_registry (ferry/service/prometheus.hpp) or its own endpoint. Living
// in core, the writer needs no HTTP library, so every component can write to it.
//
// The writer enforces the format's rules, which hand-written exposition gets wrong: each
// family's samples stay together under one `# HELP` and one `# TYPE` line, however many
// collectors or loops add to it; metric and label names are checked ([a-zA-Z_:][a-zA-Z0-9_:]*,
// labels without ':' and not starting with "__"); label values escape \ " and newline, help
// texts \ and newline; integers are written exactly and doubles as the shortest text that reads
// back the same, with +Inf, -Inf and NaN spelled as Prometheus spells them.
//
//   ferry::metrics_writer out;
//   out.counter("ferry_jobs_acked_total", "Jobs acked.", stats.acked);
//   out.gauge("ferry_queue_depth", "Jobs ready.", depth, {{"queue", "emails"}});
//   out.histogram("app_decision_seconds", "Time to answer.",
//                 ferry::histogram_export(latency.read(), 1e6, 6));  // microseconds -> s
//   out.text();  // "# HELP ferry_jobs_acked_total Jobs acked.\n# TYPE ..."
//
// The rule a reader would get wrong: histogram_export divides by `per_unit` (1e6 microseconds
// in a second) rather than multiplying by its inverse, so the bounds are the correctly rounded
// decimals (100 / 1e6 is 0.0001; 100 * 1e-6 is not).
//
// Thread safety: metrics_writer is thread-compatible (one per scrape); the rest are values and
// pure functions.
// Errors: the writer throws std::invalid_argument for a malformed metric or label name, a
// family added again with another type or help, or a sample repeated with the same labels.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ferry/core/histogram.hpp"
#include "ferry/export.hpp"

namespace ferry {

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

/// `s` with its bounds and sum divided by `per_unit`, the recorded units in one of the metric's
/// (1e6 microseconds in a second); `le_decimals` as in histogram_data.
[[nodiscard]] FERRY_API histogram_data histogram_export(const histogram::snapshot& s,
                                                        double per_unit = 1.0,
                                                        std::optional<int> le_decimals = {});

}  // namespace ferry
