// ferry/core/delivery_source.hpp — what a transport gives worker_runtime: deliveries to run and
// a way to settle them, one round trip at a time.
//
// worker_runtime (worker_runtime.hpp) owns the threads; a source owns the transport. Every call
// below comes from the runtime's one fetch thread, so a source may keep a connection that is
// not thread-safe (a rabbitmq-c channel) and needs no locks of its own. The runtime batches:
// outcomes that finished since the last round trip are settled in the same call that takes
// new deliveries, which is where a worker's throughput comes from.
//
// The rule an implementer would otherwise get wrong: exchange() removes from `done` exactly
// what it settled. When it throws, what is left in `done` is handed to it again on the next
// call, so a settlement is never applied twice and never dropped while the source lives.
//
// Thread safety: called from one thread at a time (the runtime's fetch thread).
// Errors: exchange() throws ferry::error for transport failures; the runtime reports them,
// waits its error backoff and calls again (a source reconnects by itself).
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "ferry/core/delivery.hpp"

namespace ferry {

/// A delivery with its handler's outcome, on its way back to the source.
struct settlement {
  delivery what;
  outcome verdict;
};

class delivery_source {
 public:
  virtual ~delivery_source() = default;

  /// One round trip: settles `done` (erasing each settled entry) and takes up to `want` new
  /// deliveries (0 = none). Only when `done` is empty, `want` > 0 and nothing was ready last
  /// time may it block, up to `wait`, for the first new delivery.
  [[nodiscard]] virtual std::vector<delivery> exchange(std::vector<settlement>& done,
                                                       std::size_t want,
                                                       std::chrono::milliseconds wait) = 0;

  /// Keeps held deliveries alive (lease extension); called about every upkeep_interval()
  /// while the runtime runs. A ferry::error it throws is reported like exchange()'s.
  virtual void upkeep() {}
  [[nodiscard]] virtual std::chrono::milliseconds upkeep_interval() const {
    return std::chrono::hours(1);
  }

 protected:
  delivery_source() = default;
  delivery_source(const delivery_source&) = default;
  delivery_source& operator=(const delivery_source&) = default;
};

}  // namespace ferry
