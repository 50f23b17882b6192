#include "rate_limits.hpp"

#include <ferry/ratelimit/local_limiter.hpp>
#include <ferry/ratelimit/redis_limiter.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/url_encoding.hpp>

#include <cctype>
#include <stdexcept>

#include "decision.hpp"

namespace ferry::apps::policy {
namespace {

using steady = std::chrono::steady_clock;

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

ratelimit::rate_limit parse_one(std::string_view item) {
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

// Limiter keys may not contain '{' or '}' (the limiter's hash tag); '%' is encoded too so
// two addresses never share a key.
std::string key_text(std::string_view text) {
  return percent_encode(text, "@+!$&'*=^`|~#/?");
}

}  // namespace

std::vector<ratelimit::rate_limit> parse_rate_limits(std::string_view text) {
  std::vector<ratelimit::rate_limit> out;
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

std::string format_rate_limits(const std::vector<ratelimit::rate_limit>& limits) {
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

rate_gate::rate_gate(rate_limit_config config, const limiter_factory& make, logger& log,
                     std::shared_ptr<void> keep)
    : keep_(std::move(keep)), config_(std::move(config)), log_(log) {
  if (!config_.sender.empty()) sender_ = make(config_.sender);
  if (!config_.client.empty()) client_ = make(config_.client);
}

rate_gate::~rate_gate() = default;

std::unique_ptr<rate_gate> open_rate_gate(const rate_limit_config& config,
                                          const std::string& redis_url, logger& log) {
  if (!config.any()) return nullptr;
  if (redis_url.empty()) {
    log.warning(
        "rate limits: no REDIS_URL; each ferry-policyd process counts on its own "
        "(local_limiter)");
    return std::make_unique<rate_gate>(
        config,
        [](const std::vector<ratelimit::rate_limit>& limits) {
          return std::make_unique<ratelimit::local_limiter>(
              ratelimit::local_limiter_options{.limits = limits});
        },
        log);
  }
  auto redis = std::make_shared<redis::client>(redis_url);
  auto* client = redis.get();
  return std::make_unique<rate_gate>(
      config,
      [client](const std::vector<ratelimit::rate_limit>& limits) {
        ratelimit::redis_limiter_options o;
        o.limits = limits;
        o.algo = ratelimit::algorithm::sliding_log;
        // Not under "policy:": the near cache tracks that prefix, and counter writes would
        // flood its invalidation connection.
        o.key_prefix = "ferry:policy:rl";
        o.on_failure = ratelimit::failure_mode::open;
        return std::make_unique<ratelimit::redis_limiter>(*client, std::move(o));
      },
      log, std::move(redis));
}

std::optional<std::chrono::seconds> rate_gate::check(std::string_view sender,
                                                     std::string_view client_address) {
  if (sender_) {
    // The null sender is every bounce from everywhere: one shared quota would throttle them
    // all, so it has none.
    if (const auto who = normalize_address(sender)) {
      if (auto wait = ask(*sender_, "sender", "sender:" + key_text(*who))) return wait;
    }
  }
  if (client_ && !client_address.empty()) {
    if (auto wait = ask(*client_, "client", "client:" + key_text(client_address))) return wait;
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> rate_gate::ask(ratelimit::rate_limiter& limiter,
                                                   const char* which, std::string key) {
  auto* m = metrics_.load();
  const auto now = steady::now().time_since_epoch().count();
  if (now < skip_until_.load(std::memory_order_relaxed)) {
    if (m != nullptr) m->rate_limit_error();
    return std::nullopt;  // cooling down after a failure: admit without asking
  }
  try {
    const auto d = limiter.acquire(key);
    if (d.degraded) {
      failed(which, "the limiter's store is unavailable");
      return std::nullopt;
    }
    if (d.allowed) return std::nullopt;
    if (m != nullptr) m->rate_limited(which);
    const auto retry = d.retry_after == std::chrono::milliseconds::max()
                           ? std::chrono::seconds(86400)
                           : std::chrono::ceil<std::chrono::seconds>(d.retry_after);
    return std::max(retry, std::chrono::seconds(1));
  } catch (const std::exception& e) {
    failed(which, e.what());
    return std::nullopt;
  }
}

void rate_gate::failed(const char* which, const std::string& why) {
  if (auto* m = metrics_.load()) m->rate_limit_error();
  const auto now = steady::now();
  const auto until = (now + config_.cooldown).time_since_epoch().count();
  const auto previous = skip_until_.exchange(until);
  // Log once per cool-down: only the failure that starts one says so.
  if (previous <= now.time_since_epoch().count()) {
    log_.warning(std::string("rate limits: ") + which + " check failed (" + why +
                 "); admitting without limits for " + std::to_string(config_.cooldown.count()) +
                 " ms");
  }
}

}  // namespace ferry::apps::policy
