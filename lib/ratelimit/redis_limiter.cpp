#include "ferry/ratelimit/redis_limiter.hpp"

#include <array>
#include <stdexcept>
#include <unordered_map>

#include "ferry/redis/client.hpp"
#include "ferry/redis/keys.hpp"
#include "ferry/redis/script.hpp"
#include "ratelimit/combine.hpp"
#include "ratelimit/redis_scripts.hpp"

namespace ferry::ratelimit {
namespace {

// `count` identical requests in a row: same key (the batch's key group `group`), same cost.
struct request_run {
  std::size_t group = 0;
  std::int64_t cost = 1;
  std::int64_t count = 1;
};

// The fixed window's reply (fixed_window_decide in redis_scripts.cpp), one decision per request
// appended to `out`: a run's first `admitted` requests were admitted, each adding its cost to
// every limit's counter (and starting the window of a counter that had none); the rest were
// denied against the counters as the admitted ones left them.
void expand_fixed_runs(const std::vector<redis::reply>& e, std::span<const request_run> runs,
                       std::span<const rate_limit> limits, std::vector<rate_decision>& out) {
  const auto n = limits.size();
  const std::int64_t now_us = e.at(0).as_integer();
  std::vector<detail::limit_outcome> o(n);
  std::size_t at = 1;
  for (const auto& run : runs) {
    const std::int64_t admitted = e.at(at).as_integer();
    for (std::int64_t j = 0; j < run.count; ++j) {
      const bool allowed = j < admitted;
      for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t before = e.at(at + 1 + 2 * i).as_integer();
        const std::int64_t ttl_before = e.at(at + 2 + 2 * i).as_integer();
        const std::int64_t win = limits[i].window.count();
        const std::int64_t count = before + (allowed ? j + 1 : admitted) * run.cost;
        const std::int64_t ttl = ttl_before < 0 && admitted > 0 ? win : ttl_before;
        o[i].count = count;
        o[i].retry_ms = 0;
        if (!allowed && count + run.cost > limits[i].count)
          o[i].retry_ms = run.cost > limits[i].count ? -1 : ttl < 0 ? win : ttl;
        o[i].reset_ms = count > 0 ? (ttl < 0 ? win : ttl) : 0;
      }
      auto d = detail::combine(allowed, limits, o);
      d.decided_at_us = now_us;
      out.push_back(d);
    }
    at += 1 + 2 * n;
  }
}

}  // namespace

redis_limiter::redis_limiter(redis::client& redis, redis_limiter_options options)
    : redis_(redis), opts_(std::move(options)) {
  detail::validate_limits(opts_.limits);
  if (opts_.key_prefix.empty()) throw std::invalid_argument("redis_limiter: empty key_prefix");
  const std::string tag{detail::algo_tag(opts_.algo)};
  for (const auto& l : opts_.limits) {
    window_args_.push_back(std::to_string(l.count));
    window_args_.push_back(std::to_string(l.window.count()));
    key_names_.push_back(tag + ":" + std::to_string(l.window.count()));
  }
}

std::span<const rate_limit> redis_limiter::limits() const noexcept {
  return opts_.limits;
}

void redis_limiter::append_keys(std::string_view key, std::vector<std::string>& out) const {
  const redis::key_space space{opts_.key_prefix, std::string(key)};  // throws on braces
  for (const auto& name : key_names_) out.push_back(space.key(name));
}

rate_decision redis_limiter::decode(const std::vector<redis::reply>& e, std::size_t at) const {
  const auto n = opts_.limits.size();
  std::vector<detail::limit_outcome> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {e.at(at + 2 + 3 * i).as_integer(), e.at(at + 3 + 3 * i).as_integer(),
              e.at(at + 4 + 3 * i).as_integer()};
  }
  auto d = detail::combine(e.at(at).as_integer() == 1, opts_.limits, out);
  d.decided_at_us = e.at(at + 1).as_integer();
  return d;
}

rate_decision redis_limiter::degraded(const ferry::error& err) {
  if (!err.is_transient()) throw err;
  errors_.fetch_add(1, std::memory_order_relaxed);
  opts_.observer.error(err, {.component = "ratelimit", .operation = "acquire"});
  rate_decision d;
  d.degraded = true;
  d.limit = opts_.limits.front().count;
  d.allowed = opts_.on_failure == failure_mode::open;
  if (!d.allowed) d.retry_after = opts_.closed_retry_after;
  d.remaining = d.allowed ? d.limit : 0;
  return d;
}

rate_decision redis_limiter::acquire(std::string_view key, std::int64_t cost) {
  // Its own script (not a batch of one): the sequential caller's hot path.
  detail::validate_request(key, cost);
  std::vector<std::string> keys;
  keys.reserve(key_names_.size());
  append_keys(key, keys);
  const std::string cost_text = std::to_string(cost);
  const std::string n = detail::nonce();
  std::vector<std::string_view> key_views(keys.begin(), keys.end());
  std::vector<std::string_view> args{cost_text, n};
  args.insert(args.end(), window_args_.begin(), window_args_.end());
  try {
    const auto r = detail::decision_script(opts_.algo).run(redis_, key_views, args);
    if (opts_.algo != algorithm::fixed_window) return decode(r.elements(), 0);
    std::vector<rate_decision> out;
    const request_run one{.group = 0, .cost = cost, .count = 1};
    expand_fixed_runs(r.elements(), {&one, 1}, opts_.limits, out);
    return out.at(0);
  } catch (const ferry::error& err) {
    return degraded(err);
  }
}

std::vector<rate_decision> redis_limiter::acquire_many(std::span<const rate_request> requests) {
  if (requests.empty()) return {};
  for (const auto& q : requests) detail::validate_request(q.key, q.cost);
  // Each distinct key is sent once (a group of one Redis key per limit), and consecutive
  // identical requests as one run: a hot key costs the script one step, not one per request.
  std::vector<std::string> keys;
  std::unordered_map<std::string_view, std::size_t> groups;  // request key -> group index
  std::vector<request_run> runs;
  for (const auto& q : requests) {
    const auto [it, added] = groups.try_emplace(q.key, groups.size());
    const std::size_t g = it->second;
    if (added) append_keys(q.key, keys);
    if (!runs.empty() && runs.back().group == g && runs.back().cost == q.cost)
      ++runs.back().count;
    else
      runs.push_back({.group = g, .cost = q.cost, .count = 1});
  }
  std::vector<std::string> run_args;
  run_args.reserve(3 * runs.size());
  for (const auto& run : runs) {
    run_args.push_back(std::to_string(run.group));
    run_args.push_back(std::to_string(run.cost));
    run_args.push_back(std::to_string(run.count));
  }
  const std::string nl_text = std::to_string(opts_.limits.size());
  const std::string n = detail::nonce();
  std::vector<std::string_view> key_views(keys.begin(), keys.end());
  std::vector<std::string_view> args{nl_text, n};
  args.insert(args.end(), window_args_.begin(), window_args_.end());
  args.insert(args.end(), run_args.begin(), run_args.end());
  std::vector<rate_decision> out;
  out.reserve(requests.size());
  try {
    const auto r = detail::batch_script(opts_.algo).run(redis_, key_views, args);
    const auto& e = r.elements();
    if (opts_.algo == algorithm::fixed_window) {
      expand_fixed_runs(e, runs, opts_.limits, out);
    } else {
      const auto stride = 2 + 3 * opts_.limits.size();
      for (std::size_t i = 0; i < requests.size(); ++i) out.push_back(decode(e, i * stride));
    }
  } catch (const ferry::error& err) {
    out.assign(requests.size(), degraded(err));
  }
  return out;
}

void redis_limiter::reset(std::string_view key) {
  if (key.empty()) throw std::invalid_argument("redis_limiter: empty key");
  std::vector<std::string> keys;
  append_keys(key, keys);
  std::vector<std::string_view> args{"DEL"};
  args.insert(args.end(), keys.begin(), keys.end());
  (void)redis_.command(std::span<const std::string_view>(args));
}

check_result check_rate_limit(redis::client& redis, std::string_view api, std::int64_t limit,
                              std::chrono::milliseconds window, std::string_view key_prefix) {
  detail::validate_limits(std::array<rate_limit, 1>{rate_limit{limit, window}});
  detail::validate_request(api, 1);
  const redis::key_space space{std::string(key_prefix), std::string(api)};
  const std::string k = space.key("fw:" + std::to_string(window.count()));
  const std::string limit_text = std::to_string(limit);
  const std::string window_text = std::to_string(window.count());
  const std::array<std::string_view, 1> keys{k};
  const std::array<std::string_view, 4> args{"1", "", limit_text, window_text};
  const auto r = detail::decision_script(algorithm::fixed_window).run(redis, keys, args);
  const std::array<rate_limit, 1> limits{rate_limit{limit, window}};
  std::vector<rate_decision> out;
  const request_run one{.group = 0, .cost = 1, .count = 1};
  expand_fixed_runs(r.elements(), {&one, 1}, limits, out);
  return {out.at(0).allowed, out.at(0).count};
}

}  // namespace ferry::ratelimit
