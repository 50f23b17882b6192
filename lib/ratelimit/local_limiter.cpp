#include "ferry/ratelimit/local_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ratelimit/combine.hpp"

namespace ferry::ratelimit {
namespace {

// Integer ceil(a / b) for a >= 0, b > 0.
std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// The bookkeeping of one limit of one key; which fields are used depends on the algorithm.
struct limit_state {
  std::deque<std::int64_t> log;             // sliding_log: admitted units, microseconds
  std::int64_t idx = 0, cur = 0, prev = 0;  // sliding_window: fixed-window index and counts
  std::int64_t start = -1, count = 0;       // fixed_window: first admission (us) and count
};

struct key_state {
  std::vector<limit_state> limits;
  std::int64_t last_us = 0;
};

}  // namespace

struct local_limiter::impl {
  local_limiter_options opts;
  mutable std::mutex mutex;
  std::unordered_map<std::string, key_state> keys;
  std::int64_t longest_window_us = 0;

  std::int64_t now_us() const {
    const auto t = opts.clock ? opts.clock() : std::chrono::steady_clock::now();
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  }

  // Mirrors the Lua scripts in redis_limiter.cpp; see there for the reasoning.
  bool check(limit_state& s, const rate_limit& l, std::int64_t now, std::int64_t cost,
             detail::limit_outcome& o) const {
    const std::int64_t win_ms = l.window.count();
    switch (opts.algo) {
      case algorithm::sliding_log: {
        const std::int64_t win = win_ms * 1000;
        while (!s.log.empty() && s.log.front() <= now - win) s.log.pop_front();
        const auto c = static_cast<std::int64_t>(s.log.size());
        o.count = c;
        if (c + cost <= l.count) return true;
        o.retry_ms =
            cost > l.count
                ? -1
                : ceil_div(s.log[static_cast<std::size_t>(c + cost - l.count - 1)] + win - now,
                           1000);
        return false;
      }
      case algorithm::sliding_window: {
        const std::int64_t now_ms = now / 1000;
        const std::int64_t idx = now_ms / win_ms;
        if (s.idx != idx) {
          s.prev = s.idx == idx - 1 ? s.cur : 0;
          s.cur = 0;
          s.idx = idx;
        }
        const std::int64_t elapsed = now_ms - idx * win_ms;
        const double est = static_cast<double>(s.prev) * static_cast<double>(win_ms - elapsed) /
                               static_cast<double>(win_ms) +
                           static_cast<double>(s.cur);
        o.count = static_cast<std::int64_t>(std::ceil(est));
        if (est + static_cast<double>(cost) <= static_cast<double>(l.count)) return true;
        const double w = static_cast<double>(win_ms);
        if (cost > l.count) {
          o.retry_ms = -1;
        } else if (s.cur + cost > l.count) {
          // Wait for the next window, then for this one's carried-over weight to shrink.
          const double f =
              std::max(0.0, 1.0 - static_cast<double>(l.count - cost) / static_cast<double>(s.cur));
          o.retry_ms = (win_ms - elapsed) + static_cast<std::int64_t>(std::ceil(w * f - 1e-6));
        } else {
          const double f =
              1.0 - static_cast<double>(l.count - cost - s.cur) / static_cast<double>(s.prev);
          o.retry_ms = static_cast<std::int64_t>(std::ceil(w * f - 1e-6)) - elapsed;
        }
        o.retry_ms = std::max<std::int64_t>(o.retry_ms, 1);
        return false;
      }
      case algorithm::fixed_window: {
        const std::int64_t win = win_ms * 1000;
        if (s.start >= 0 && now >= s.start + win) {
          s.start = -1;
          s.count = 0;
        }
        o.count = s.count;
        if (s.count + cost <= l.count) return true;
        o.retry_ms = cost > l.count ? -1 : ceil_div(s.start + win - now, 1000);
        return false;
      }
    }
    return false;
  }

  void record(limit_state& s, const rate_limit& l, std::int64_t now, std::int64_t cost,
              detail::limit_outcome& o) const {
    const std::int64_t win_ms = l.window.count();
    switch (opts.algo) {
      case algorithm::sliding_log:
        for (std::int64_t i = 0; i < cost; ++i) s.log.push_back(now);
        o.count += cost;
        break;
      case algorithm::sliding_window:
        s.cur += cost;
        o.count += cost;
        break;
      case algorithm::fixed_window:
        if (s.count == 0) s.start = now;
        s.count += cost;
        o.count = s.count;
        break;
    }
    (void)win_ms;
  }

  std::int64_t reset_ms(const limit_state& s, const rate_limit& l, std::int64_t now) const {
    const std::int64_t win_ms = l.window.count();
    switch (opts.algo) {
      case algorithm::sliding_log:
        return s.log.empty() ? 0 : ceil_div(s.log.back() + win_ms * 1000 - now, 1000);
      case algorithm::sliding_window: {
        const std::int64_t elapsed = now / 1000 - s.idx * win_ms;
        if (s.cur > 0) return 2 * win_ms - elapsed;
        return s.prev > 0 ? win_ms - elapsed : 0;
      }
      case algorithm::fixed_window:
        return s.count > 0 ? ceil_div(s.start + win_ms * 1000 - now, 1000) : 0;
    }
    return 0;
  }

  void sweep(std::int64_t now) {
    if (keys.size() < opts.max_keys) return;
    std::erase_if(keys,
                  [&](const auto& kv) { return now - kv.second.last_us > 2 * longest_window_us; });
  }
};

local_limiter::local_limiter(local_limiter_options options) : impl_(std::make_unique<impl>()) {
  detail::validate_limits(options.limits);
  impl_->opts = std::move(options);
  for (const auto& l : impl_->opts.limits) {
    impl_->longest_window_us =
        std::max<std::int64_t>(impl_->longest_window_us, l.window.count() * 1000);
  }
}

local_limiter::~local_limiter() = default;

std::span<const rate_limit> local_limiter::limits() const noexcept {
  return impl_->opts.limits;
}

std::size_t local_limiter::size() const {
  std::lock_guard lock{impl_->mutex};
  return impl_->keys.size();
}

rate_decision local_limiter::acquire(std::string_view key, std::int64_t cost) {
  detail::validate_request(key, cost);
  const auto& limits = impl_->opts.limits;
  std::vector<detail::limit_outcome> out(limits.size());
  std::lock_guard lock{impl_->mutex};
  const std::int64_t now = impl_->now_us();
  impl_->sweep(now);
  auto& ks = impl_->keys[std::string(key)];
  ks.limits.resize(limits.size());
  ks.last_us = now;
  bool ok = true;
  for (std::size_t i = 0; i < limits.size(); ++i) {
    ok = impl_->check(ks.limits[i], limits[i], now, cost, out[i]) && ok;
  }
  for (std::size_t i = 0; i < limits.size(); ++i) {
    if (ok) impl_->record(ks.limits[i], limits[i], now, cost, out[i]);
    out[i].reset_ms = impl_->reset_ms(ks.limits[i], limits[i], now);
  }
  auto d = detail::combine(ok, limits, out);
  d.decided_at_us = now;
  return d;
}

}  // namespace ferry::ratelimit
