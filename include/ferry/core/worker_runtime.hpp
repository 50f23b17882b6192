// ferry/core/worker_runtime.hpp — N handler threads fed by one fetch thread that settles finished
// deliveries and takes new ones in the same round trip; the runtime of every ferry worker.
//
// A transport plugs in as a delivery_source (delivery_source.hpp): the Redis queue
// (queue::worker), RabbitMQ and Celery. The runtime keeps up to concurrency + prefetch
// deliveries held: handlers take them from a ready buffer; each outcome waits at most
// `max_ack_delay` (or until half the capacity has finished) and then goes back with the next
// round trip, which also refills the buffer. When nothing is ready the fetch thread blocks in
// the source (no polling) for up to `idle_wait`.
//
//   ferry::worker_runtime w{source, [](const ferry::delivery& d) {
//     return send(d.payload) ? ferry::outcome::ack() : ferry::outcome::retry("busy");
//   }, {.concurrency = 8}};
//   w.start();
//   ...
//   w.stop();   // finishes every delivery already held, settles them, joins the threads
//
// With `ack_on_start` the ack goes back as the handler starts (Celery's early ack) and the
// outcome settles nothing.
//
// Exceptions from a handler become outcomes: a transient ferry::error is a retry,
// permanent_failure a dead letter, anything else `unexpected_exception` (retry by default:
// the source's attempt limit bounds it). Delivery stays at-least-once: if the process dies,
// whatever was held comes back through the source's own recovery.
//
// Thread safety: start/stop/stats from any thread; the handler runs on `concurrency` threads
// at once and must be thread-safe. The source must outlive the runtime.
// Errors: the constructor throws std::invalid_argument for concurrency 0, an empty handler or a
// non-positive wait; transport errors in the loop go to the observer and are
// retried after `error_backoff`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/core/delivery.hpp"
#include "ferry/core/delivery_source.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"

namespace ferry {

struct worker_runtime_options {
  /// Handler threads: deliveries that run at the same time.
  std::size_t concurrency = 1;
  /// Deliveries held ready beyond the running ones, so a handler never waits for a round trip.
  std::size_t prefetch = 16;
  /// With nothing held, how long one blocking wait in the source lasts (also bounds how long
  /// stop() may take to notice).
  std::chrono::milliseconds idle_wait = std::chrono::seconds(1);
  /// The longest a finished delivery waits for its settlement while others run.
  std::chrono::milliseconds max_ack_delay = std::chrono::milliseconds(50);
  /// Pause after a transport error in the loop before trying again.
  std::chrono::milliseconds error_backoff = std::chrono::milliseconds(200);
  /// The outcome of a handler exception that is neither a transient ferry::error (retry) nor
  /// permanent_failure (dead letter).
  outcome::kind unexpected_exception = outcome::kind::retry;
  /// On stop(), whether deliveries taken but not started still run (true), or are dropped
  /// unsettled for the source to give back by itself (false: a RabbitMQ channel's close
  /// returns them at once; a Redis lease would hold them until it expires).
  bool run_prefetched_on_stop = true;
  /// Settle each delivery as acked when a handler takes it, before the handler runs, instead
  /// of with the handler's outcome (Celery's default early ack: from then on at most once, so
  /// a crash during the handler loses the delivery). The outcome is then only counted and
  /// reported (on_failure); whatever a failure needs, the handler does itself.
  bool ack_on_start = false;
  /// Called on a handler thread when a handler did not ack (threw, or asked for a retry or a
  /// dead letter), with the reason.
  std::function<void(const delivery&, std::string_view reason)> on_failure{};
  /// Told each transport error the loop survived (operation "fetch" or "upkeep"), on the
  /// fetch thread, as `component`.
  ferry::observer observer{};
  std::string component = "worker";
};

/// Counters since the runtime was made (they add up over start/stop cycles); a snapshot.
struct worker_runtime_stats {
  std::uint64_t fetched = 0;      ///< Deliveries taken from the source.
  std::uint64_t succeeded = 0;    ///< Handler runs that acked.
  std::uint64_t failed = 0;       ///< Handler runs that did not (threw, retry, dead letter).
  std::uint64_t round_trips = 0;  ///< exchange() calls that returned.
  std::uint64_t errors = 0;       ///< Transport errors survived.
};

class FERRY_API worker_runtime {
 public:
  /// Does not start: call start(). `source` must outlive the runtime.
  worker_runtime(delivery_source& source, delivery_handler handler,
                 worker_runtime_options options = {});
  /// stop().
  ~worker_runtime();
  worker_runtime(const worker_runtime&) = delete;
  worker_runtime& operator=(const worker_runtime&) = delete;

  /// Starts the fetch and handler threads. No-op if running.
  void start();
  /// Stops fetching, lets the handlers finish every delivery already held (or only the
  /// running ones: run_prefetched_on_stop), settles them and joins. Waits up to about idle_wait for
  /// a blocking fetch to return. No-op if not running.
  void stop();
  [[nodiscard]] bool running() const noexcept;
  [[nodiscard]] worker_runtime_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The outcome of the exception in flight, by the rule in the file comment (call it from a
/// catch block).
[[nodiscard]] FERRY_API outcome outcome_of_current_exception(outcome::kind unexpected);

}  // namespace ferry
