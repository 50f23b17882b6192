// invalidation_tracker — the near cache's link to Redis: one dedicated connection and thread
// that receive invalidations for a namespace and drop the near cache's copies.
//
// The connection turns on server-assisted client-side caching in BCAST mode for the namespace
// and redirects the invalidations to itself, then subscribes to __redis__:invalidate (RESP2
// delivers them there as pub/sub messages). BCAST does not depend on which connection read a
// key, so the pooled data connections need no tracking at all, and a reconnect only has to
// redo this one connection — with per-connection (default-mode) tracking every pooled
// connection would have to be re-pointed at the new connection's id, and Redis silently drops
// RESP2 invalidations whose redirect target is gone.
//
// While subscribed the near cache is active; when the connection is lost (or stops answering
// PING within `health_interval`) it is flushed and inactive until the subscription is back.
//
// Thread safety: owns its thread; construct and destroy from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "ferry/cache/detail/near_cache.hpp"
#include "ferry/redis/options.hpp"

namespace ferry::cache::detail {

class invalidation_tracker {
 public:
  /// Starts the thread. `near` and `invalidations` (counted per key dropped) must outlive it.
  invalidation_tracker(redis::options server, std::string ns,
                       std::chrono::milliseconds health_interval, near_cache& near,
                       std::atomic<std::uint64_t>& invalidations);
  /// Stops and joins the thread; the near cache is left inactive.
  ~invalidation_tracker();
  invalidation_tracker(const invalidation_tracker&) = delete;
  invalidation_tracker& operator=(const invalidation_tracker&) = delete;

 private:
  void run();
  // Sleeps up to `d`; true when asked to stop.
  bool sleep_for(std::chrono::milliseconds d);
  bool stopping();

  const redis::options server_;
  const std::string ns_;
  const std::chrono::milliseconds health_interval_;
  near_cache& near_;
  std::atomic<std::uint64_t>& invalidations_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above is set
};

}  // namespace ferry::cache::detail
