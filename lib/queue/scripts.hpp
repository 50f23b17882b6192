// The Lua scripts of the reliable queue. Every script receives the same eleven keys (all under
// one {hash tag}) in the order of `key_names`, so a shared prelude can name them.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "ferry/redis/script.hpp"

namespace ferry::queue::detail {

inline constexpr std::array<std::string_view, 11> key_names = {
    "ready", "scheduled", "inflight", "payload", "meta", "dedup",
    "dead",  "seq",       "notify",   "stats",   "wake"};

// Positions in key_names used from C++.
inline constexpr std::size_t notify_key = 8;
inline constexpr std::size_t wake_key = 10;

const redis::script& enqueue_script();
const redis::script& reserve_script();
const redis::script& ack_script();
const redis::script& ack_reserve_script();
const redis::script& extend_script();
const redis::script& fail_script();
const redis::script& maintain_script();
const redis::script& dead_list_script();
const redis::script& dead_op_script();
const redis::script& stats_script();

}  // namespace ferry::queue::detail
