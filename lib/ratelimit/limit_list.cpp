#include <ferry/ratelimit/limit_list.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <stdexcept>

namespace ferry::ratelimit {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A positive whole number (no sign, no overflow), or nullopt.
std::optional<std::int64_t> whole(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n <= 0) return std::nullopt;
  return n;
}

rate_limit parse_one(std::string_view item) {
  const auto bad = [&](const char* why) {
    return std::invalid_argument("rate limit '" + std::string(item) + "': " + why +
                                 " (expected COUNT/WINDOW, e.g. 5/300s or 100/1d)");
  };
  const auto slash = item.find('/');
  if (slash == std::string_view::npos) throw bad("no '/'");
  const auto count = whole(trim(item.substr(0, slash)));
  if (!count) throw bad("count must be a positive whole number");
  auto window = trim(item.substr(slash + 1));
  std::int64_t unit_seconds = 1;
  if (!window.empty()) {
    switch (window.back()) {
      case 's': unit_seconds = 1; break;
      case 'm': unit_seconds = 60; break;
      case 'h': unit_seconds = 3600; break;
      case 'd': unit_seconds = 86400; break;
      default: unit_seconds = 0;
    }
    if (unit_seconds != 0) {
      window.remove_suffix(1);
    } else {
      unit_seconds = 1;
    }
  }
  const auto n = whole(window);
  if (!n) throw bad("window must be a positive whole number with unit s, m, h or d");
  return {*count, std::chrono::seconds(*n * unit_seconds)};
}

}  // namespace

std::vector<rate_limit> parse_limit_list(std::string_view text) {
  std::vector<rate_limit> out;
  text = trim(text);
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (item.empty()) throw std::invalid_argument("rate limits: empty item in list");
    out.push_back(parse_one(item));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && trim(text).empty()) {
      throw std::invalid_argument("rate limits: empty item in list");
    }
  }
  return out;
}

std::string format_limit_list(const std::vector<rate_limit>& limits) {
  std::string out;
  for (const auto& l : limits) {
    if (!out.empty()) out += ',';
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(l.window).count();
    out += std::to_string(l.count) + "/";
    if (s % 86400 == 0) {
      out += std::to_string(s / 86400) + "d";
    } else if (s % 3600 == 0) {
      out += std::to_string(s / 3600) + "h";
    } else if (s % 60 == 0) {
      out += std::to_string(s / 60) + "m";
    } else {
      out += std::to_string(s) + "s";
    }
  }
  return out;
}

}  // namespace ferry::ratelimit
