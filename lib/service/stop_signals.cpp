#include "ferry/service/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <ctime>
#include <utility>

namespace ferry::service {

stop_signals stop_signals::block() noexcept {
  stop_signals s;
  sigemptyset(&s.set_);
  sigaddset(&s.set_, SIGINT);
  sigaddset(&s.set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &s.set_, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return s;
}

int stop_signals::wait() const noexcept {
  int signal_number = 0;
  // sigwait fails only for an invalid set, which block() never builds; retry regardless.
  while (sigwait(&set_, &signal_number) != 0) {
  }
  return signal_number;
}

std::optional<int> stop_signals::wait_for(std::chrono::milliseconds timeout) const noexcept {
  if (timeout.count() < 0) timeout = std::chrono::milliseconds(0);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec ts{.tv_sec = static_cast<std::time_t>(secs.count()),
                    .tv_nsec = static_cast<long>((timeout - secs).count() * 1'000'000)};
  const int sig = sigtimedwait(&set_, nullptr, &ts);
  if (sig < 0) return std::nullopt;  // EAGAIN (timed out) or EINTR: no stop signal
  return sig;
}

stop_watcher stop_signals::call_on_stop(std::function<void(int)> on_stop) const {
  stop_watcher w;
  // Short waits, so the watcher's destructor is not held up by a wait that cannot end.
  w.thread_ = std::thread([set = *this, done = w.done_.get(), fn = std::move(on_stop)] {
    while (!done->load(std::memory_order_acquire)) {
      if (const auto sig = set.wait_for(std::chrono::milliseconds(100))) {
        if (fn) fn(*sig);
        return;
      }
    }
  });
  return w;
}

stop_watcher::~stop_watcher() {
  if (!thread_.joinable()) return;
  done_->store(true, std::memory_order_release);
  thread_.join();
}

std::string_view stop_signals::name(int signal_number) noexcept {
  if (signal_number == SIGINT) return "SIGINT";
  if (signal_number == SIGTERM) return "SIGTERM";
  return "signal";
}

}  // namespace ferry::service
