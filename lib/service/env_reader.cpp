#include "ferry/service/env_reader.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "ferry/core/error.hpp"

namespace ferry::service {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::int64_t parse_whole_number(std::string_view text, const std::string& name, std::int64_t min,
                                std::int64_t max) {
  std::int64_t n = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || stop != end || n < min || n > max) {
    throw ferry::error(errc::config, name + " must be a whole number from " + std::to_string(min) +
                                         " to " + std::to_string(max) + ", got '" +
                                         std::string(text) + "'");
  }
  return n;
}

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

env_reader::env_reader(env_lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> env_reader::raw(const std::string& name) const {
  return lookup_ ? lookup_(name) : std::nullopt;
}

std::string env_reader::text(const std::string& name, std::string fallback) const {
  auto v = raw(name);
  return v && !v->empty() ? std::move(*v) : std::move(fallback);
}

std::int64_t env_reader::integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) const {
  const auto v = raw(name);
  if (!v || v->empty()) return fallback;
  return parse_whole_number(*v, name, min, max);
}

bool env_reader::boolean(const std::string& name, bool fallback) const {
  const auto v = raw(name);
  if (!v || v->empty()) return fallback;
  const auto s = lower(*v);
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  throw ferry::error(errc::config,
                     name + " must be true/false, yes/no, on/off or 1/0, got '" + *v + "'");
}

std::vector<std::string> env_reader::list(const std::string& name) const {
  const auto v = raw(name);
  return v ? split_list(*v) : std::vector<std::string>{};
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const auto item = trim(rest.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace ferry::service
