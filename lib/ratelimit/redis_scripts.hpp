// The Lua scripts of redis_limiter: per algorithm, one implementation (decide/decide_all, see
// redis_scripts.cpp) wrapped once for a single decision and once for an ordered batch of
// decisions (acquire_many, coalescing_limiter).
#pragma once

#include <string>

#include "ferry/ratelimit/rate_decision.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::ratelimit::detail {

/// KEYS: one per limit. ARGV: cost, nonce, then count and window (ms) per limit. Replies as
/// the algorithm's decide() (redis_scripts.cpp): sliding ones {allowed 0|1, now_us, then per
/// limit: count after, retry ms (-1 never), reset ms}; the fixed window as a batch of one.
const redis::script& decision_script(algorithm a);

/// KEYS: one per limit for each distinct key of the batch (a group). ARGV: number of limits,
/// nonce, count and window (ms) per limit, then per run of identical requests: group index
/// (from 0), cost, number of requests. Decides the requests in order at one server instant.
/// Sliding algorithms reply the single script's reply of each request, concatenated; the
/// fixed window {now_us, then per run: admitted, then per limit: count and ttl ms before it}.
const redis::script& batch_script(algorithm a);

/// Key tag of an algorithm ("log", "sw", "fw").
[[nodiscard]] std::string_view algo_tag(algorithm a);

/// 128 random bits as 32 hex characters: log members of distinct calls never collide.
[[nodiscard]] std::string nonce();

}  // namespace ferry::ratelimit::detail
