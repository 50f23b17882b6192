// The Lua scripts of the reliable queue. Every script receives the same ten keys (all under
// one {hash tag}) in the order of `key_names`, so a shared prelude can name them.
#pragma once

#include <array>
#include <string_view>

#include "ferry/redis/script.hpp"

namespace ferry::queue::detail {

inline constexpr std::array<std::string_view, 10> key_names = {
    "ready", "scheduled", "inflight", "payload", "meta", "dedup", "dead", "seq", "notify", "stats"};

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
