#include "ratelimit/redis_scripts.hpp"

#include <string_view>

#include "ferry/core/random.hpp"

namespace ferry::ratelimit::detail {
namespace {

// Every algorithm defines two Lua functions over KEYS, with L = {count 1, window ms 1, count 2,
// window ms 2, ...} for its n limits:
//   decide(kb, n, cost, nonce, now_us, L) -> the reply to one request over KEYS[kb + 1 .. kb + n];
//   decide_all(n, L, runs, nonce, now_us) -> the reply to a batch, given as runs of identical
//     requests: run = {g, cost, count}, `count` requests of `cost` over the keys of group g,
//     KEYS[g * n + 1 .. g * n + n] (a batch sends each distinct key once).
// The sliding algorithms write decide(), which replies {allowed, now_us, per limit: count,
// retry, reset}, and their decide_all() is decide() per request, replies concatenated. The
// fixed window writes decide_all() (a batch touches each key once) and decide() is a batch of
// one; it replies per run (see fixed_window_decide). Nothing is recorded unless every limit
// admits the request. The time is read once per script (TIME), so a batch decides all its
// requests at the same server instant, in order.

// Exact sliding log: a sorted set of admitted units scored by server microseconds. An entry
// at s counts at time t while s > t - window.
constexpr std::string_view sliding_log_decide = R"lua(
local function decide(kb, n, cost, nonce, now, L)
  local ok = 1
  local counts, retry = {}, {}
  for i = 1, n do
    local key, limit, win = KEYS[kb + i], L[2 * i - 1], L[2 * i] * 1000
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
    local c = redis.call('ZCARD', key)
    counts[i], retry[i] = c, 0
    if c + cost > limit then
      ok = 0
      if cost > limit then
        retry[i] = -1
      else
        -- Admission needs the oldest (c + cost - limit) entries to leave the window.
        local e = redis.call('ZRANGE', key, c + cost - limit - 1, c + cost - limit - 1, 'WITHSCORES')
        retry[i] = math.ceil((tonumber(e[2]) + win - now) / 1000)
      end
    end
  end
  local out = {ok, now}
  for i = 1, n do
    local key, win = KEYS[kb + i], L[2 * i]
    local reset = 0
    if ok == 1 then
      -- ZADD in chunks: unpack() of one huge table would overflow Lua's C stack.
      local k = 1
      while k <= cost do
        local z = {}
        for j = k, math.min(cost, k + 999) do z[#z + 1] = now; z[#z + 1] = nonce .. ':' .. j end
        redis.call('ZADD', key, unpack(z))
        k = k + 1000
      end
      redis.call('PEXPIRE', key, win)
      counts[i] = counts[i] + cost
      reset = win  -- the newest entry is this one
    else
      local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
      if newest[2] then reset = math.ceil((tonumber(newest[2]) + win * 1000 - now) / 1000) end
    end
    out[#out + 1] = counts[i]; out[#out + 1] = retry[i]; out[#out + 1] = reset
  end
  return out
end
)lua";

// Approximate sliding window: one HASH per limit, field = fixed-window index, value = count.
// estimate = previous * (1 - elapsed / window) + current.
constexpr std::string_view sliding_window_decide = R"lua(
local function decide(kb, n, cost, nonce, now_us, L)
  local now = math.floor(now_us / 1000)
  local ok = 1
  local est, cur, idx, retry, elapsed = {}, {}, {}, {}, {}
  for i = 1, n do
    local key, limit, win = KEYS[kb + i], L[2 * i - 1], L[2 * i]
    idx[i] = math.floor(now / win)
    elapsed[i] = now - idx[i] * win
    local c = tonumber(redis.call('HGET', key, idx[i]) or '0')
    local p = tonumber(redis.call('HGET', key, idx[i] - 1) or '0')
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
  for i = 1, n do
    local key, win = KEYS[kb + i], L[2 * i]
    local count = est[i]
    if ok == 1 then
      redis.call('HINCRBY', key, idx[i], cost)
      if redis.call('HLEN', key) > 2 then
        for _, f in ipairs(redis.call('HKEYS', key)) do
          local x = tonumber(f)
          if x ~= idx[i] and x ~= idx[i] - 1 then redis.call('HDEL', key, f) end
        end
      end
      redis.call('PEXPIRE', key, 2 * win)
      count = count + cost
      cur[i] = cur[i] + cost
    end
    local reset = 0
    if cur[i] > 0 then reset = 2 * win - elapsed[i] elseif count > 0 then reset = win - elapsed[i] end
    out[#out + 1] = math.ceil(count); out[#out + 1] = retry[i]; out[#out + 1] = reset
  end
  return out
end
)lua";

constexpr std::string_view single_main = R"lua(
local t = redis.call('TIME')
local L = {}
for i = 3, #ARGV do L[i - 2] = tonumber(ARGV[i]) end
return decide(0, #KEYS, tonumber(ARGV[1]), ARGV[2], tonumber(t[1]) * 1000000 + tonumber(t[2]), L)
)lua";

// decide_all() of the sliding algorithms: decide() per request, each with its own nonce.
constexpr std::string_view per_request_all = R"lua(
local function decide_all(n, L, runs, nonce, now)
  local out, r = {}, 0
  for _, run in ipairs(runs) do
    for _ = 1, run.count do
      r = r + 1
      local d = decide(run.g * n, n, run.cost, nonce .. ':' .. r, now, L)
      for _, v in ipairs(d) do out[#out + 1] = v end
    end
  end
  return out
end
)lua";

constexpr std::string_view batch_main = R"lua(
local t = redis.call('TIME')
local n = tonumber(ARGV[1])
local L, runs = {}, {}
for i = 1, 2 * n do L[i] = tonumber(ARGV[2 + i]) end
for a = 3 + 2 * n, #ARGV, 3 do
  runs[#runs + 1] = {g = tonumber(ARGV[a]), cost = tonumber(ARGV[a + 1]), count = tonumber(ARGV[a + 2])}
end
return decide_all(n, L, runs, ARGV[2], tonumber(t[1]) * 1000000 + tonumber(t[2]))
)lua";

// Fixed window from the first request: a counter with a PEXPIRE of one window. The counters
// of a batch's keys are read once (GET, PTTL) and written once (INCRBY, PEXPIRE) per key, and
// the decisions in between are made on those values in order. The script is atomic, so this
// is the same as one INCRBY per admitted request, with far fewer calls when a batch repeats a
// key (a hot key under load). A run of identical requests is decided at once: counters only
// grow, so its first k requests are admitted and the rest denied, k = the most every limit
// still has room for. Reply: {now_us, then per run: k, then per limit: count and ttl ms (-1:
// none) before the run}; the client derives each request's count, retry and reset from that
// (detail::expand_fixed_runs).
constexpr std::string_view fixed_window_decide = R"lua(
local function decide_all(n, L, runs, nonce, now_us)
  local state, order = {}, {}
  local function load(key)
    local st = state[key]
    if not st then
      local ttl = redis.call('PTTL', key)
      if ttl < 0 then ttl = -1 end  -- no key, or no expiry: the window (re)starts on admission
      st = {c = tonumber(redis.call('GET', key) or '0'), ttl = ttl, add = 0}
      state[key] = st
      order[#order + 1] = key
    end
    return st
  end
  local out = {now_us}
  for _, run in ipairs(runs) do
    local kb, cost, k = run.g * n, run.cost, run.count
    local at = #out + 1
    out[at] = 0
    for i = 1, n do
      local st = load(KEYS[kb + i])
      out[#out + 1] = st.c
      out[#out + 1] = st.ttl
      k = math.min(k, math.max(0, math.floor((L[2 * i - 1] - st.c) / cost)))
    end
    out[at] = k
    if k > 0 then
      for i = 1, n do
        local st, win = state[KEYS[kb + i]], L[2 * i]
        st.c = st.c + k * cost
        st.add = st.add + k * cost
        if st.ttl < 0 then st.ttl = win; st.expire = win end
      end
    end
  end
  for _, key in ipairs(order) do
    local st = state[key]
    if st.add > 0 then redis.call('INCRBY', key, st.add) end
    if st.expire then redis.call('PEXPIRE', key, st.expire) end
  end
  return out
end
local function decide(kb, n, cost, nonce, now_us, L)
  return decide_all(n, L, {{g = 0, cost = cost, count = 1}}, nonce, now_us)  -- kb is 0
end
)lua";

// The Lua that defines decide() and decide_all() for `a`.
std::string functions_of(algorithm a) {
  switch (a) {
    case algorithm::sliding_window: return std::string(sliding_window_decide) += per_request_all;
    case algorithm::fixed_window: return std::string(fixed_window_decide);
    case algorithm::sliding_log: break;
  }
  return std::string(sliding_log_decide) += per_request_all;
}

}  // namespace

const redis::script& decision_script(algorithm a) {
  static const redis::script log{functions_of(algorithm::sliding_log) += single_main};
  static const redis::script sw{functions_of(algorithm::sliding_window) += single_main};
  static const redis::script fw{functions_of(algorithm::fixed_window) += single_main};
  return a == algorithm::sliding_window ? sw : a == algorithm::fixed_window ? fw : log;
}

const redis::script& batch_script(algorithm a) {
  static const redis::script log{functions_of(algorithm::sliding_log) += batch_main};
  static const redis::script sw{functions_of(algorithm::sliding_window) += batch_main};
  static const redis::script fw{functions_of(algorithm::fixed_window) += batch_main};
  return a == algorithm::sliding_window ? sw : a == algorithm::fixed_window ? fw : log;
}

std::string_view algo_tag(algorithm a) {
  switch (a) {
    case algorithm::sliding_window: return "sw";
    case algorithm::fixed_window: return "fw";
    case algorithm::sliding_log: break;
  }
  return "log";
}

std::string nonce() {
  return random_hex128();
}

}  // namespace ferry::ratelimit::detail
