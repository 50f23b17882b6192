#include "ferry/queue/worker.hpp"

#include <any>

#include "ferry/core/worker_runtime.hpp"
#include "ferry/queue/queue.hpp"
#include "queue/queue_source.hpp"

namespace ferry::queue {
namespace {

// The job a handler written against the queue gets: the delivery's native job with its payload.
job job_of(const delivery& d) {
  job j = std::any_cast<const job&>(d.native);
  j.payload = d.payload;
  return j;
}

worker_runtime_options runtime_options(const worker_options& o) {
  worker_runtime_options r;
  r.concurrency = o.concurrency;
  r.prefetch = o.prefetch;
  r.idle_wait = o.idle_wait;
  r.max_ack_delay = o.max_ack_delay;
  r.error_backoff = o.error_backoff;
  r.unexpected_exception = outcome::kind::retry;  // the queue's retry policy bounds it
  r.observer = o.observer;
  r.component = "queue.worker";
  if (o.on_failure) {
    r.on_failure = [f = o.on_failure](const delivery& d, std::string_view reason) {
      f(job_of(d), reason);
    };
  }
  return r;
}

std::chrono::milliseconds checked_lease(const queue& q, const worker_options& o) {
  const auto lease = o.lease.value_or(q.options().lease);
  if (lease.count() <= 0) throw std::invalid_argument("worker: lease must be positive");
  return lease;
}

delivery_handler adapt(worker::handler h) {
  if (!h) throw std::invalid_argument("worker: empty handler");
  return [h = std::move(h)](const delivery& d) {
    h(job_of(d));
    return outcome::ack();
  };
}

}  // namespace

struct worker::impl {
  impl(queue& q, delivery_handler h, const worker_options& o)
      : source(q, checked_lease(q, o)), runtime(source, std::move(h), runtime_options(o)) {}

  detail::queue_source source;
  worker_runtime runtime;
};

worker::worker(queue& q, handler h, worker_options options)
    : worker(q, adapt(std::move(h)), std::move(options)) {}

worker::worker(queue& q, delivery_handler h, worker_options options) {
  if (!h) throw std::invalid_argument("worker: empty handler");
  if (options.concurrency == 0) throw std::invalid_argument("worker: concurrency must be >= 1");
  impl_ = std::make_unique<impl>(q, std::move(h), options);
}

worker::~worker() {
  stop();
}

void worker::start() {
  impl_->runtime.start();
}

void worker::stop() {
  impl_->runtime.stop();
}

bool worker::running() const noexcept {
  return impl_->runtime.running();
}

worker_stats worker::stats() const {
  const auto r = impl_->runtime.stats();
  return {r.fetched, impl_->source.acked(), r.failed, impl_->source.lease_lost(), r.round_trips,
          r.errors};
}

}  // namespace ferry::queue
