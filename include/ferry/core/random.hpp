// ferry/core/random.hpp — unpredictable values for ids and tokens: Celery task ids, queue job ids,
// lease tokens, rate-limit log entries.
//
// The values come from the operating system's random source (getrandom(2) on Linux), read in
// batches per thread. The behaviour a seeded engine gets wrong: fork() copies a process's memory,
// so a child would repeat its parent's (and its siblings') sequence. Here a child discards what
// it inherited and reads fresh values, so ids stay unique across forked workers.
//
//   const std::uint64_t n = ferry::random_u64();
//   const std::string token = ferry::random_hex128();  // 32 lower-case hex digits
//
// Thread safety: free functions; thread-safe (each thread has its own batch).
// Errors: throws ferry::error(errc::unsupported) only if the system has no random source.
#pragma once

#include <cstdint>
#include <string>

#include "ferry/export.hpp"

namespace ferry {

/// 64 uniformly random bits, never repeated by a forked child.
[[nodiscard]] FERRY_API std::uint64_t random_u64();

/// 128 random bits as 32 lower-case hexadecimal digits.
[[nodiscard]] FERRY_API std::string random_hex128();

}  // namespace ferry
