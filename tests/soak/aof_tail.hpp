// Simulated power loss for Redis with `appendfsync everysec`: a kill -9 of redis-server loses
// nothing that Redis had written to its AOF (the kernel still has it), but a power cut or a
// kernel crash loses what was written since the last fsync — up to about one second of
// acknowledged writes with everysec. This records the size of the AOF's current file every
// 50 ms on a thread of its own; after a kill, drop_last() truncates the file to its size
// `window` earlier, the worst case of everysec's once-a-second fsync.
//
// Thread safety: drop_last() on any one thread while the sampler runs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace soak {

class aof_tail {
 public:
  /// `redis_dir`: the server's --dir (its AOF is in appendonlydir/, Redis 7 multi-part AOF).
  explicit aof_tail(std::string redis_dir);
  ~aof_tail();
  aof_tail(const aof_tail&) = delete;
  aof_tail& operator=(const aof_tail&) = delete;

  /// Truncates the current AOF file to its size `window` ago (Redis must be stopped); returns
  /// the bytes dropped, 0 when nothing usable was sampled (e.g. the file changed since).
  std::uintmax_t drop_last(std::chrono::milliseconds window);

 private:
  struct sample {
    std::chrono::steady_clock::time_point at;
    std::string file;
    std::uintmax_t size = 0;
  };
  [[nodiscard]] std::string current_file() const;
  void run();

  std::string dir_;
  std::mutex mutex_;
  std::deque<sample> samples_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace soak
