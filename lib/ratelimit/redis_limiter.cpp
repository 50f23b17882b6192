#include "ferry/ratelimit/redis_limiter.hpp"

#include <array>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <thread>

#include "ferry/redis/client.hpp"
#include "ferry/redis/keys.hpp"
#include "ferry/redis/script.hpp"
#include "ratelimit/combine.hpp"

namespace ferry::ratelimit {
namespace {

// Every script: KEYS = one key per limit; ARGV = cost, nonce, then count and window (ms) per
// limit. Returns {allowed 0|1, now_us, then per limit: count after, retry ms (-1 never),
// reset ms}. Nothing is recorded unless every limit admits the request.

// Exact sliding log: a sorted set of admitted units scored by server microseconds. An entry
// at s counts at time t while s > t - window.
const redis::script& sliding_log_script() {
  static const redis::script s{R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost = tonumber(ARGV[1])
local ok = 1
local counts, retry = {}, {}
for i = 1, #KEYS do
  local limit, win = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i]) * 1000
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - win)
  local c = redis.call('ZCARD', KEYS[i])
  counts[i], retry[i] = c, 0
  if c + cost > limit then
    ok = 0
    if cost > limit then
      retry[i] = -1
    else
      -- Admission needs the oldest (c + cost - limit) entries to leave the window.
      local e = redis.call('ZRANGE', KEYS[i], c + cost - limit - 1, c + cost - limit - 1, 'WITHSCORES')
      retry[i] = math.ceil((tonumber(e[2]) + win - now) / 1000)
    end
  end
end
local out = {ok, now}
for i = 1, #KEYS do
  local win = tonumber(ARGV[2 + 2 * i])
  if ok == 1 then
    -- ZADD in chunks: unpack() of one huge table would overflow Lua's C stack.
    local k = 1
    while k <= cost do
      local z = {}
      for j = k, math.min(cost, k + 999) do z[#z + 1] = now; z[#z + 1] = ARGV[2] .. ':' .. j end
      redis.call('ZADD', KEYS[i], unpack(z))
      k = k + 1000
    end
    redis.call('PEXPIRE', KEYS[i], win)
    counts[i] = counts[i] + cost
  end
  local reset = 0
  local newest = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  if newest[2] then reset = math.ceil((tonumber(newest[2]) + win * 1000 - now) / 1000) end
  out[#out + 1] = counts[i]; out[#out + 1] = retry[i]; out[#out + 1] = reset
end
return out
)lua"};
  return s;
}

// Approximate sliding window: one HASH per limit, field = fixed-window index, value = count.
// estimate = previous * (1 - elapsed / window) + current.
const redis::script& sliding_window_script() {
  static const redis::script s{R"lua(
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(now_us / 1000)
local cost = tonumber(ARGV[1])
local ok = 1
local est, cur, idx, retry, elapsed = {}, {}, {}, {}, {}
for i = 1, #KEYS do
  local limit, win = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  idx[i] = math.floor(now / win)
  elapsed[i] = now - idx[i] * win
  local c = tonumber(redis.call('HGET', KEYS[i], idx[i]) or '0')
  local p = tonumber(redis.call('HGET', KEYS[i], idx[i] - 1) or '0')
  local weight = (win - elapsed[i]) / win
  cur[i] = c
  est[i] = p * weight + c
  retry[i] = 0
  if est[i] + cost > limit then
    ok = 0
    if cost > limit then
      retry[i] = -1
    elseif c + cost > limit then
      -- Wait for the next window, then for the carried-over weight of this one to shrink.
      retry[i] = (win - elapsed[i]) + math.ceil(win * math.max(0, 1 - (limit - cost) / c) - 1e-6)
    else
      retry[i] = math.ceil(win * (1 - (limit - cost - c) / p) - 1e-6) - elapsed[i]
    end
    if retry[i] == 0 then retry[i] = 1 end
  end
end
local out = {ok, now_us}
for i = 1, #KEYS do
  local win = tonumber(ARGV[2 + 2 * i])
  local count = est[i]
  if ok == 1 then
    redis.call('HINCRBY', KEYS[i], idx[i], cost)
    if redis.call('HLEN', KEYS[i]) > 2 then
      for _, f in ipairs(redis.call('HKEYS', KEYS[i])) do
        local n = tonumber(f)
        if n ~= idx[i] and n ~= idx[i] - 1 then redis.call('HDEL', KEYS[i], f) end
      end
    end
    redis.call('PEXPIRE', KEYS[i], 2 * win)
    count = count + cost
    cur[i] = cur[i] + cost
  end
  local reset = 0
  if cur[i] > 0 then reset = 2 * win - elapsed[i] elseif count > 0 then reset = win - elapsed[i] end
  out[#out + 1] = math.ceil(count); out[#out + 1] = retry[i]; out[#out + 1] = reset
end
return out
)lua"};
  return s;
}

// Fixed window from the first request: a counter with a PEXPIRE of one window.
const redis::script& fixed_window_script() {
  static const redis::script s{R"lua(
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost = tonumber(ARGV[1])
local ok = 1
local counts, retry, ttl = {}, {}, {}
for i = 1, #KEYS do
  local limit, win = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local c = tonumber(redis.call('GET', KEYS[i]) or '0')
  local pttl = redis.call('PTTL', KEYS[i])
  if pttl < 0 then pttl = win end
  counts[i], retry[i], ttl[i] = c, 0, pttl
  if c + cost > limit then
    ok = 0
    if cost > limit then retry[i] = -1 else retry[i] = pttl end
  end
end
local out = {ok, now_us}
for i = 1, #KEYS do
  local win = tonumber(ARGV[2 + 2 * i])
  if ok == 1 then
    local v = redis.call('INCRBY', KEYS[i], cost)
    if v == cost or redis.call('PTTL', KEYS[i]) < 0 then
      redis.call('PEXPIRE', KEYS[i], win)
      ttl[i] = win
    end
    counts[i] = v
  end
  local reset = 0
  if counts[i] > 0 then reset = ttl[i] end
  out[#out + 1] = counts[i]; out[#out + 1] = retry[i]; out[#out + 1] = reset
end
return out
)lua"};
  return s;
}

const redis::script& script_for(algorithm a) {
  switch (a) {
    case algorithm::sliding_window: return sliding_window_script();
    case algorithm::fixed_window: return fixed_window_script();
    case algorithm::sliding_log: break;
  }
  return sliding_log_script();
}

std::string_view algo_tag(algorithm a) {
  switch (a) {
    case algorithm::sliding_window: return "sw";
    case algorithm::fixed_window: return "fw";
    case algorithm::sliding_log: break;
  }
  return "log";
}

// Unique per call, so two admissions in the same microsecond get distinct log members.
std::string nonce() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    std::seed_seq seq{
        rd(), rd(), rd(), rd(),
        static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id()))};
    return std::mt19937_64{seq};
  }()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

redis_limiter::redis_limiter(redis::client& redis, redis_limiter_options options)
    : redis_(redis), opts_(std::move(options)) {
  detail::validate_limits(opts_.limits);
  if (opts_.key_prefix.empty()) throw std::invalid_argument("redis_limiter: empty key_prefix");
  for (const auto& l : opts_.limits) {
    window_args_.push_back(std::to_string(l.count));
    window_args_.push_back(std::to_string(l.window.count()));
  }
}

std::span<const rate_limit> redis_limiter::limits() const noexcept {
  return opts_.limits;
}

std::vector<std::string> redis_limiter::keys_for(std::string_view key) const {
  const redis::key_space space{opts_.key_prefix, std::string(key)};  // throws on braces
  std::vector<std::string> keys;
  const std::string tag{algo_tag(opts_.algo)};
  for (const auto& l : opts_.limits)
    keys.push_back(space.key(tag + ":" + std::to_string(l.window.count())));
  return keys;
}

rate_decision redis_limiter::acquire(std::string_view key, std::int64_t cost) {
  detail::validate_request(key, cost);
  const auto keys = keys_for(key);
  const std::string cost_text = std::to_string(cost);
  const std::string n = nonce();
  std::vector<std::string_view> key_views(keys.begin(), keys.end());
  std::vector<std::string_view> args{cost_text, n};
  args.insert(args.end(), window_args_.begin(), window_args_.end());
  try {
    const auto r = script_for(opts_.algo).run(redis_, key_views, args);
    const auto& e = r.elements();
    std::vector<detail::limit_outcome> out(opts_.limits.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = {e.at(2 + 3 * i).as_integer(), e.at(3 + 3 * i).as_integer(),
                e.at(4 + 3 * i).as_integer()};
    }
    auto d = detail::combine(e.at(0).as_integer() == 1, opts_.limits, out);
    d.decided_at_us = e.at(1).as_integer();
    return d;
  } catch (const ferry::error& err) {
    if (!err.is_transient()) throw;
    errors_.fetch_add(1, std::memory_order_relaxed);
    if (opts_.on_error) opts_.on_error(err);
    rate_decision d;
    d.degraded = true;
    d.limit = opts_.limits.front().count;
    d.allowed = opts_.on_failure == failure_mode::open;
    if (!d.allowed) d.retry_after = opts_.closed_retry_after;
    d.remaining = d.allowed ? d.limit : 0;
    return d;
  }
}

void redis_limiter::reset(std::string_view key) {
  if (key.empty()) throw std::invalid_argument("redis_limiter: empty key");
  const auto keys = keys_for(key);
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
  const auto r = fixed_window_script().run(redis, keys, args);
  return {r.elements().at(0).as_integer() == 1, r.elements().at(2).as_integer()};
}

}  // namespace ferry::ratelimit
