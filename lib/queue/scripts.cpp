#include "queue/scripts.hpp"

#include <string>

namespace ferry::queue::detail {
namespace {

// Shared helpers. Job metadata lives in one HASH (id -> cmsgpack map) rather than one key per
// job, so every key a script touches is declared in KEYS (Redis Cluster's rule). Fields:
//   p priority, a attempts (deliveries so far), m max attempts, e enqueued ms, d dedup key,
//   t current lease token, w worker, err last error, ff/lf first/last failure ms, x dead ms.
// Times are milliseconds of the server's clock (TIME), never the caller's.
constexpr std::string_view prelude = R"lua(
local K_READY, K_SCHED, K_INFL, K_PAYLOAD, K_META, K_DEDUP, K_DEAD, K_SEQ, K_NOTIFY, K_STATS =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local K_WAKE = KEYS[11]
local NOTIFY_CAP = 1024
local WAKE_CAP = 16
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function get_meta(id)
  local raw = redis.call('HGET', K_META, id)
  if not raw then return nil end
  return cmsgpack.unpack(raw)
end
local function put_meta(id, m) redis.call('HSET', K_META, id, cmsgpack.pack(m)) end
-- Higher priority first, FIFO within a priority: score = (100 - p) * 2^44 + sequence.
local function make_ready(id, m)
  local seq = redis.call('INCR', K_SEQ)
  redis.call('ZADD', K_READY, (100 - m.p) * 17592186044416 + seq, id)
end
-- Wake blocked reserve() calls; the list is only a doorbell, capped so it cannot grow.
local function ring(n)
  if n <= 0 then return end
  for i = 1, n do redis.call('LPUSH', K_NOTIFY, '1') end
  redis.call('LTRIM', K_NOTIFY, 0, NOTIFY_CAP - 1)
end
-- Wake sleeping schedulers: a job was scheduled, maybe earlier than they plan to wake. They
-- BLPOP this list (not the workers' doorbell, so they never steal a worker's wake-up).
local function wake_scheduler(due)
  redis.call('LPUSH', K_WAKE, due)
  redis.call('LTRIM', K_WAKE, 0, WAKE_CAP - 1)
end
local function release_dedup(id, m)
  if m.d and redis.call('HGET', K_DEDUP, m.d) == id then redis.call('HDEL', K_DEDUP, m.d) end
end
local function bury(id, m, now)
  m.t = nil
  m.x = now
  put_meta(id, m)
  redis.call('ZADD', K_DEAD, now, id)
  release_dedup(id, m)
  redis.call('HINCRBY', K_STATS, 'dead_lettered', 1)
end
local function forget(id)
  redis.call('HDEL', K_PAYLOAD, id)
  redis.call('HDEL', K_META, id)
end
local function promote(now, limit)
  local due = redis.call('ZRANGEBYSCORE', K_SCHED, '-inf', now, 'LIMIT', 0, limit)
  local n = 0
  for _, id in ipairs(due) do
    redis.call('ZREM', K_SCHED, id)
    local m = get_meta(id)
    if m then make_ready(id, m); n = n + 1 else forget(id) end
  end
  ring(n)
  return n
end
-- A lease that ended without ack/fail: the worker died or stalled. It used an attempt.
local function recover(now, limit)
  local expired = redis.call('ZRANGEBYSCORE', K_INFL, '-inf', now, 'LIMIT', 0, limit)
  local ready = 0
  for _, id in ipairs(expired) do
    redis.call('ZREM', K_INFL, id)
    local m = get_meta(id)
    if m then
      m.err = 'lease expired (worker ' .. (m.w or '?') .. ')'
      m.lf = now
      if not m.ff then m.ff = now end
      redis.call('HINCRBY', K_STATS, 'failed', 1)
      redis.call('HINCRBY', K_STATS, 'recovered', 1)
      if m.a >= m.m then
        bury(id, m, now)
      else
        m.t = nil
        put_meta(id, m)
        make_ready(id, m)
        ready = ready + 1
      end
    else
      forget(id)
    end
  end
  ring(ready)
  return #expired
end
local function next_due()
  local best = -1
  local s = redis.call('ZRANGE', K_SCHED, 0, 0, 'WITHSCORES')
  if s[2] then best = tonumber(s[2]) end
  local i = redis.call('ZRANGE', K_INFL, 0, 0, 'WITHSCORES')
  if i[2] and (best < 0 or tonumber(i[2]) < best) then best = tonumber(i[2]) end
  return best
end
local function owned(id, token)
  if not redis.call('ZSCORE', K_INFL, id) then return nil end
  local m = get_meta(id)
  if not m or m.t ~= token then return nil end
  return m
end
)lua";

std::string with_prelude(std::string_view body) {
  std::string s{prelude};
  s += body;
  return s;
}

}  // namespace

// ARGV: id, payload, priority, max_attempts, delay_ms (-1 none), run_at_ms (-1 none),
//       dedup key ("" none). Returns {id, created 0|1}.
const redis::script& enqueue_script() {
  static const redis::script s{with_prelude(R"lua(
local id, prio, maxa = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local delay, run_at, dkey = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
if dkey ~= '' then
  local existing = redis.call('HGET', K_DEDUP, dkey)
  if existing and redis.call('HEXISTS', K_META, existing) == 1 then return {existing, 0} end
  redis.call('HSET', K_DEDUP, dkey, id)
end
local now = now_ms()
local m = {p = prio, a = 0, m = maxa, e = now}
if dkey ~= '' then m.d = dkey end
redis.call('HSET', K_PAYLOAD, id, ARGV[2])
put_meta(id, m)
local due = now
if run_at >= 0 then due = run_at elseif delay > 0 then due = now + delay end
if due > now then
  redis.call('ZADD', K_SCHED, due, id)
  wake_scheduler(due)
else
  make_ready(id, m)
end
ring(1)
redis.call('HINCRBY', K_STATS, 'enqueued', 1)
return {id, 1}
)lua")};
  return s;
}

// ARGV: token, lease_ms, worker, batch. Returns {1, id, payload, attempts, max, priority,
// enqueued_ms, lease_until_ms, dedup, last_error} or {0, next_due_ms (-1 none), now_ms}.
const redis::script& reserve_script() {
  static const redis::script s{with_prelude(R"lua(
local now = now_ms()
local batch = tonumber(ARGV[4])
recover(now, batch)
promote(now, batch)
while true do
  local popped = redis.call('ZPOPMIN', K_READY)
  if not popped[1] then
    -- Nothing ready: drop stale doorbell rings so a waiter blocks instead of spinning.
    redis.call('DEL', K_NOTIFY)
    return {0, next_due(), now}
  end
  local id = popped[1]
  local m = get_meta(id)
  if m then
    m.a = m.a + 1
    m.t = ARGV[1]
    m.w = ARGV[3]
    put_meta(id, m)
    local until_ms = now + tonumber(ARGV[2])
    redis.call('ZADD', K_INFL, until_ms, id)
    return {1, id, redis.call('HGET', K_PAYLOAD, id) or '', m.a, m.m, m.p, m.e, until_ms,
            m.d or '', m.err or ''}
  end
  forget(id)
end
)lua")};
  return s;
}

// The batch path of worker runtimes: acks up to n finished jobs, then leases up to `max` ready
// jobs, in one round trip. Each leased job gets token "<prefix>:<i>" (prefix random per call).
// ARGV: token_prefix, lease_ms, worker, batch, max, n_acks, then n_acks pairs (id, token).
// Returns {acked, next_due_ms (-1 none), now_ms, then per leased job 9 values: id, payload,
// attempts, max, priority, enqueued_ms, lease_until_ms, dedup, last_error}.
// Batched redis.call()s (HMGET, ZMSCORE, one ZADD/HSET/HDEL per batch) rather than a few
// calls per job: the per-call cost inside Lua is what bounds a batch on the server.
constexpr std::string_view ack_reserve_lua = R"lua(
local function chunked(cmd, key, list)
  for i = 1, #list, 1000 do redis.call(cmd, key, unpack(list, i, math.min(#list, i + 999))) end
end
local now = now_ms()
local batch, want, nacks = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local acked = 0
if nacks > 0 then
  local ids = {}
  for i = 1, nacks do ids[i] = ARGV[5 + 2 * i] end
  local gone = {}
  for c = 1, nacks, 1000 do
    local part = {unpack(ids, c, math.min(nacks, c + 999))}
    local scores = redis.call('ZMSCORE', K_INFL, unpack(part))
    local metas = redis.call('HMGET', K_META, unpack(part))
    for k = 1, #part do
      if scores[k] and metas[k] then
        local m = cmsgpack.unpack(metas[k])
        if m.t == ARGV[6 + 2 * (c + k - 1)] then
          gone[#gone + 1] = part[k]
          if m.d then release_dedup(part[k], m) end
        end
      end
    end
  end
  acked = #gone
  if acked > 0 then
    chunked('ZREM', K_INFL, gone)
    chunked('HDEL', K_PAYLOAD, gone)
    chunked('HDEL', K_META, gone)
    redis.call('HINCRBY', K_STATS, 'processed', acked)
  end
end
local out = {acked, -1, now}
if want <= 0 then return out end
recover(now, batch)
promote(now, batch)
local until_ms = now + tonumber(ARGV[2])
local got = 0
while got < want do
  local popped = redis.call('ZPOPMIN', K_READY, math.min(want - got, 1000))
  if not popped[1] then break end
  local ids = {}
  for k = 1, #popped, 2 do ids[#ids + 1] = popped[k] end
  local metas = redis.call('HMGET', K_META, unpack(ids))
  local payloads = redis.call('HMGET', K_PAYLOAD, unpack(ids))
  local new_meta, leases = {}, {}
  for k = 1, #ids do
    local id = ids[k]
    if metas[k] then
      local m = cmsgpack.unpack(metas[k])
      got = got + 1
      m.a = m.a + 1
      m.t = ARGV[1] .. ':' .. got
      m.w = ARGV[3]
      new_meta[#new_meta + 1] = id
      new_meta[#new_meta + 1] = cmsgpack.pack(m)
      leases[#leases + 1] = until_ms
      leases[#leases + 1] = id
      local n = #out
      out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5] =
        id, payloads[k] or '', m.a, m.m, m.p
      out[n + 6], out[n + 7], out[n + 8], out[n + 9] = m.e, until_ms, m.d or '', m.err or ''
    else
      forget(id)
    end
  end
  if #leases > 0 then
    chunked('HSET', K_META, new_meta)
    chunked('ZADD', K_INFL, leases)
  end
end
if got == 0 then
  -- Nothing ready: drop stale doorbell rings so a waiter blocks instead of spinning.
  redis.call('DEL', K_NOTIFY)
  out[2] = next_due()
end
return out
)lua";

const redis::script& ack_reserve_script() {
  static const redis::script s{with_prelude(ack_reserve_lua)};
  return s;
}

// ARGV: id, token. Returns 1 if acked, 0 if the lease was not ours.
const redis::script& ack_script() {
  static const redis::script s{with_prelude(R"lua(
local m = owned(ARGV[1], ARGV[2])
if not m then return 0 end
redis.call('ZREM', K_INFL, ARGV[1])
release_dedup(ARGV[1], m)
forget(ARGV[1])
redis.call('HINCRBY', K_STATS, 'processed', 1)
return 1
)lua")};
  return s;
}

// ARGV: id, token, lease_ms. Returns the new lease end (ms) or -1 if the lease was not ours.
const redis::script& extend_script() {
  static const redis::script s{with_prelude(R"lua(
if not owned(ARGV[1], ARGV[2]) then return -1 end
local until_ms = now_ms() + tonumber(ARGV[3])
redis.call('ZADD', K_INFL, until_ms, ARGV[1])
return until_ms
)lua")};
  return s;
}

// ARGV: id, token, error, delay_ms, permanent 0|1. Returns {0} lease lost, {1, due_ms} retry
// scheduled, {2, now_ms} dead-lettered.
const redis::script& fail_script() {
  static const redis::script s{with_prelude(R"lua(
local id = ARGV[1]
local m = owned(id, ARGV[2])
if not m then return {0} end
local now = now_ms()
redis.call('ZREM', K_INFL, id)
m.err = ARGV[3]
m.lf = now
if not m.ff then m.ff = now end
redis.call('HINCRBY', K_STATS, 'failed', 1)
if ARGV[5] == '1' or m.a >= m.m then
  bury(id, m, now)
  return {2, now}
end
m.t = nil
put_meta(id, m)
redis.call('HINCRBY', K_STATS, 'retried', 1)
local delay = tonumber(ARGV[4])
if delay <= 0 then make_ready(id, m); ring(1); return {1, now} end
redis.call('ZADD', K_SCHED, now + delay, id)
wake_scheduler(now + delay)
ring(1)  -- a blocked reserve() recomputes how long to wait
return {1, now + delay}
)lua")};
  return s;
}

// ARGV: op ('promote' | 'recover' | 'trim' | 'next_due'), batch, retention_ms.
// Returns a count (or the next due ms, -1 none).
const redis::script& maintain_script() {
  static const redis::script s{with_prelude(R"lua(
local now = now_ms()
local op, batch = ARGV[1], tonumber(ARGV[2])
if op == 'promote' then return promote(now, batch) end
if op == 'recover' then return recover(now, batch) end
if op == 'next_due' then return {next_due(), now} end
local old = redis.call('ZRANGEBYSCORE', K_DEAD, '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, batch)
for _, id in ipairs(old) do
  redis.call('ZREM', K_DEAD, id)
  forget(id)
end
return #old
)lua")};
  return s;
}

// ARGV: offset, limit. Newest first; per entry 13 values:
// id, payload, error, worker, attempts, max, priority, enqueued, ff, lf, dead, dedup, has_dedup.
const redis::script& dead_list_script() {
  static const redis::script s{with_prelude(R"lua(
local off, lim = tonumber(ARGV[1]), tonumber(ARGV[2])
local ids = redis.call('ZREVRANGE', K_DEAD, off, off + lim - 1)
local out = {}
for _, id in ipairs(ids) do
  local m = get_meta(id) or {}
  local vals = {id, redis.call('HGET', K_PAYLOAD, id) or '', m.err or '', m.w or '',
    m.a or 0, m.m or 0, m.p or 0, m.e or 0, m.ff or 0, m.lf or 0, m.x or 0, m.d or '',
    m.d and 1 or 0}
  for _, v in ipairs(vals) do out[#out + 1] = v end
end
return out
)lua")};
  return s;
}

// ARGV: op ('requeue' | 'delete'), id ('' = up to batch of the oldest), batch.
// Returns how many entries were handled.
const redis::script& dead_op_script() {
  static const redis::script s{with_prelude(R"lua(
local op, id, batch = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids
if id ~= '' then
  if not redis.call('ZSCORE', K_DEAD, id) then return 0 end
  ids = {id}
else
  ids = redis.call('ZRANGE', K_DEAD, 0, batch - 1)
end
local woken = 0
for _, jid in ipairs(ids) do
  redis.call('ZREM', K_DEAD, jid)
  local m = get_meta(jid)
  if op == 'requeue' and m then
    m.a, m.ff, m.lf, m.x, m.err, m.w, m.t = 0, nil, nil, nil, nil, nil, nil
    if m.d and redis.call('HSETNX', K_DEDUP, m.d, jid) == 0 then m.d = nil end
    put_meta(jid, m)
    make_ready(jid, m)
    woken = woken + 1
  else
    forget(jid)
  end
end
ring(woken)
return #ids
)lua")};
  return s;
}

// Returns {ready, in_flight, scheduled, dead, counters as HGETALL}.
const redis::script& stats_script() {
  static const redis::script s{with_prelude(R"lua(
return {redis.call('ZCARD', K_READY), redis.call('ZCARD', K_INFL), redis.call('ZCARD', K_SCHED),
  redis.call('ZCARD', K_DEAD), redis.call('HGETALL', K_STATS)}
)lua")};
  return s;
}

}  // namespace ferry::queue::detail
