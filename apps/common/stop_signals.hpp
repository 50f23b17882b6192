// stop_signals.hpp — how a multi-threaded app waits for SIGINT/SIGTERM: block them in the main
// thread before any other thread starts (threads inherit the mask), then take them with
// sigwait()/sigtimedwait() on the returned set, so no handler runs on a random thread.
// SIGPIPE is ignored as well: a peer closing a socket must be an error return, not a kill.
#pragma once

#include <pthread.h>

#include <csignal>

namespace ferry::apps {

/// Blocks SIGINT and SIGTERM in the calling thread, ignores SIGPIPE; returns the blocked set.
[[nodiscard]] inline sigset_t block_stop_signals() noexcept {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

}  // namespace ferry::apps
