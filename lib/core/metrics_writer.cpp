#include "ferry/core/metrics_writer.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>

namespace ferry {
namespace {

bool name_char(char c, bool first, bool colon_ok) noexcept {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (colon_ok && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view s, bool colon_ok) noexcept {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!name_char(s[i], i == 0, colon_ok)) return false;
  }
  return true;
}

void check_metric_name(std::string_view name) {
  if (!valid_name(name, true))
    throw std::invalid_argument("metric name '" + std::string(name) +
                                "' is not [a-zA-Z_:][a-zA-Z0-9_:]*");
}

void check_label_name(std::string_view name) {
  // Names starting with "__" are reserved for Prometheus' own use.
  if (!valid_name(name, false) || name.starts_with("__"))
    throw std::invalid_argument("label name '" + std::string(name) +
                                "' is not [a-zA-Z_][a-zA-Z0-9_]* or starts with __");
}

// Help text: backslash and line feed are escaped. Label values: also the double quote.
void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string_view type_name(metric_type t) noexcept {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
    case metric_type::untyped: break;
  }
  return "untyped";
}

}  // namespace

std::string metric_value::text() const {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return std::to_string(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v_)) return std::to_string(*u);
  const double d = std::get<double>(v_);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", d);  // shortest text that parses back to d
}

metrics_writer::family& metrics_writer::family_of(std::string_view name, metric_type type,
                                                  std::string_view help) {
  const auto it = std::find_if(families_.begin(), families_.end(),
                               [&](const family& f) { return f.name == name; });
  if (it != families_.end()) {
    if (it->type != type || it->help != help)
      throw std::invalid_argument("metric family '" + std::string(name) +
                                  "' added again with another type or help");
    return *it;
  }
  check_metric_name(name);
  return families_.emplace_back(family{std::string(name), type, std::string(help), {}, {}});
}

void metrics_writer::sample(family& f, std::string_view suffix, const metric_labels& labels,
                            const std::pair<std::string_view, std::string>* extra,
                            const metric_value& v) {
  std::string rendered;
  const auto add = [&](std::string_view k, std::string_view value) {
    check_label_name(k);
    rendered += rendered.empty() ? "{" : ",";
    rendered += k;
    rendered += "=\"";
    append_escaped(rendered, value, true);
    rendered += '"';
  };
  for (const auto& [k, value] : labels) add(k, value);
  if (extra != nullptr) add(extra->first, extra->second);
  if (!rendered.empty()) rendered += '}';
  std::string key = std::string(suffix) + rendered;
  if (std::find(f.label_sets.begin(), f.label_sets.end(), key) != f.label_sets.end())
    throw std::invalid_argument("metric '" + f.name + std::string(suffix) +
                                "' written twice with the labels " + rendered);
  f.label_sets.push_back(std::move(key));
  f.lines += f.name;
  f.lines += suffix;
  f.lines += rendered;
  f.lines += ' ';
  f.lines += v.text();
  f.lines += '\n';
}

void metrics_writer::counter(std::string_view name, std::string_view help, metric_value value,
                             const metric_labels& labels) {
  sample(family_of(name, metric_type::counter, help), "", labels, nullptr, value);
}

void metrics_writer::gauge(std::string_view name, std::string_view help, metric_value value,
                           const metric_labels& labels) {
  sample(family_of(name, metric_type::gauge, help), "", labels, nullptr, value);
}

void metrics_writer::histogram(std::string_view name, std::string_view help,
                               const histogram_data& h, const metric_labels& labels) {
  for (const auto& [k, v] : labels) {
    if (k == "le") throw std::invalid_argument("a histogram's labels cannot include 'le'");
  }
  auto& f = family_of(name, metric_type::histogram, help);
  for (const auto& [bound, n] : h.buckets) {
    const std::pair<std::string_view, std::string> le{
        "le", h.le_decimals && std::isfinite(bound) ? fmt::format("{:.{}f}", bound, *h.le_decimals)
                                                    : metric_value(bound).text()};
    sample(f, "_bucket", labels, &le, n);
  }
  const std::pair<std::string_view, std::string> inf{"le", "+Inf"};
  sample(f, "_bucket", labels, &inf, h.count);
  sample(f, "_sum", labels, nullptr, h.sum);
  sample(f, "_count", labels, nullptr, h.count);
}

std::string metrics_writer::text() const {
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    out += f.lines;
  }
  return out;
}

histogram_data histogram_export(const histogram::snapshot& s, double per_unit,
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

}  // namespace ferry
