// ferry/service/stop_signals.hpp — how a multi-threaded service waits for SIGINT and SIGTERM.
//
// Block them in the main thread before any other thread starts (threads inherit the signal
// mask), then take them with wait() or wait_for() on that thread, so no signal handler ever
// runs on a random thread in the middle of a lock. SIGPIPE is ignored as well: a peer closing
// a socket must be an error return, not the end of the process.
//
//   int main() {
//     const auto signals = ferry::service::stop_signals::block();  // first, before threads
//     ferry::service::admin_http_server http{...};
//     http.start();
//     const int sig = signals.wait();  // SIGINT or SIGTERM
//     http.stop();
//   }
//
// A main thread that is itself busy (a consumer's blocking run()) hands the wait to a watcher
// thread instead: `auto w = signals.call_on_stop([&](int) { consumer.stop(); });`.
//
// The rule a reader would get wrong: block() must come before the first thread is created; a
// thread started earlier keeps the signals unblocked and may be the one the kernel picks.
//
// Thread safety: block() from the main thread; wait()/wait_for() from one thread at a time
// (a watcher is that thread while it lives).
// Errors: call_on_stop throws std::system_error when it cannot start its thread.
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>

#include "ferry/export.hpp"

namespace ferry::service {

/// Runs a function on its own thread when SIGINT or SIGTERM arrives; made by
/// stop_signals::call_on_stop. Destroying it stops watching (within about 100 ms).
class FERRY_API stop_watcher {
 public:
  stop_watcher(stop_watcher&&) noexcept = default;
  stop_watcher& operator=(stop_watcher&&) noexcept = delete;
  ~stop_watcher();

 private:
  friend class stop_signals;
  stop_watcher() = default;
  std::unique_ptr<std::atomic<bool>> done_ = std::make_unique<std::atomic<bool>>(false);
  std::thread thread_;
};

class FERRY_API stop_signals {
 public:
  /// Blocks SIGINT and SIGTERM in the calling thread and ignores SIGPIPE.
  [[nodiscard]] static stop_signals block() noexcept;

  /// Waits until SIGINT or SIGTERM arrives; returns its number.
  [[nodiscard]] int wait() const noexcept;
  /// Waits at most `timeout`; nullopt when neither arrived.
  [[nodiscard]] std::optional<int> wait_for(std::chrono::milliseconds timeout) const noexcept;
  /// Calls `on_stop(signal)` once, on a thread of the watcher, when one arrives (it is called
  /// at most once, and not at all when the watcher goes first). `on_stop` must not throw.
  [[nodiscard]] stop_watcher call_on_stop(std::function<void(int)> on_stop) const;

  /// "SIGINT", "SIGTERM" or "signal" for another number: for the stop message.
  [[nodiscard]] static std::string_view name(int signal_number) noexcept;

 private:
  stop_signals() noexcept = default;
  sigset_t set_{};
};

}  // namespace ferry::service
