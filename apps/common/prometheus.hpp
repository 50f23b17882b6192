// prometheus.hpp — builds a Prometheus text exposition (format 0.0.4) for a /metrics endpoint.
//
// Writes `# HELP` / `# TYPE` once per family and escapes label values (\ " and newline), the
// two things hand-written exposition code gets wrong.
//
//   ferry::apps::prometheus_text t;
//   t.family("ferry_dlq_depth", "gauge", "Dead letters per queue.");
//   t.sample("ferry_dlq_depth", {{"queue", "emails"}}, 3);
//   res.set_content(std::move(t).str(), ferry::apps::prometheus_text::content_type);
//
// Thread safety: a value type; thread-compatible. Errors: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::apps {

class prometheus_text {
 public:
  using labels = std::vector<std::pair<std::string_view, std::string_view>>;
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

  /// Starts a metric family: `type` is counter, gauge, histogram, summary or untyped.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  /// One sample line; integers are written exactly.
  void sample(std::string_view name, const labels& ls, std::int64_t value) {
    line(name, ls, std::to_string(value));
  }
  void sample(std::string_view name, const labels& ls, double value) {
    line(name, ls, std::to_string(value));
  }

  [[nodiscard]] std::string str() && { return std::move(out_); }
  [[nodiscard]] const std::string& str() const& { return out_; }

 private:
  void line(std::string_view name, const labels& ls, const std::string& value) {
    out_ += name;
    if (!ls.empty()) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : ls) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        for (char c : v) {
          if (c == '\\' || c == '"') {
            out_ += '\\';
            out_ += c;
          } else if (c == '\n') {
            out_ += "\\n";
          } else {
            out_ += c;
          }
        }
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  std::string out_;
};

}  // namespace ferry::apps
