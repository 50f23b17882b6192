#include "ferry/core/random.hpp"

#include <pthread.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#if __has_include(<sys/random.h>)
#include <sys/random.h>
#define FERRY_HAVE_GETRANDOM 1
#endif

#include "ferry/core/error.hpp"

namespace ferry {
namespace {

// Bumped in every child right after fork(): a thread's batch from an older generation was
// inherited from the parent (whose other children hold the same bytes) and is thrown away.
std::atomic<unsigned> fork_generation{0};

extern "C" void on_fork_child() {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

void register_fork_handler() {
  // Once per process; the handler stays registered in children (fork keeps atfork handlers).
  static const int registered = ::pthread_atfork(nullptr, nullptr, &on_fork_child);
  if (registered != 0) {
    throw error(errc::unsupported,
                std::string("pthread_atfork failed: ") + std::strerror(registered));
  }
}

void fill_from_os(void* out, std::size_t size) {
#ifdef FERRY_HAVE_GETRANDOM
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    const auto n = ::getrandom(p, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error(errc::unsupported, std::string("getrandom failed: ") + std::strerror(errno));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
#else
  // std::random_device reads the OS source too (never a seeded engine in libstdc++/libc++).
  thread_local std::random_device rd;
  auto* p = static_cast<unsigned char*>(out);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<unsigned char>(rd());
#endif
}

// One system call per 32 values keeps id generation off the profile of Celery send loops.
struct batch {
  std::array<std::uint64_t, 32> values{};
  std::size_t next = values.size();
  unsigned generation = 0;
};

}  // namespace

std::uint64_t random_u64() {
  thread_local batch b;
  const unsigned generation = fork_generation.load(std::memory_order_relaxed);
  if (b.next == b.values.size() || b.generation != generation) {
    register_fork_handler();
    fill_from_os(b.values.data(), sizeof b.values);
    b.next = 0;
    b.generation = generation;
  }
  return b.values[b.next++];
}

std::string random_hex128() {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(random_u64()),
                static_cast<unsigned long long>(random_u64()));
  return std::string(buf, 32);
}

}  // namespace ferry
