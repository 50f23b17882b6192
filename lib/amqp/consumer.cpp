#include "ferry/amqp/consumer.hpp"

#include <algorithm>
#include <any>
#include <stdexcept>
#include <thread>

#include "amqp/consumer_source.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/worker_runtime.hpp"

namespace ferry::amqp {
namespace {

using std::chrono::milliseconds;

// A handler written against amqp::delivery, as a delivery_handler. Its exceptions are reported
// with the delivery, then become outcomes by the runtime's rule (transient: retry; else DLQ).
delivery_handler adapt(const handler& h, const consumer_options& o) {
  return [&h, &o](const ferry::delivery& d) {
    delivery native = std::any_cast<const delivery&>(d.native);
    native.msg.body = d.payload;
    try {
      switch (h(native)) {
        case outcome::ack: return ferry::outcome::ack();
        case outcome::reject: return ferry::outcome::reject();
        case outcome::retry_later: break;
      }
      return ferry::outcome::retry("handler asked to retry later");
    } catch (const std::exception& e) {
      o.observer.error(e, {.component = "amqp.consumer", .operation = "handler", .id = d.id});
      throw;
    }
  };
}

}  // namespace

struct consumer::impl {
  impl(url u, consumer_options o) : address(std::move(u)), opts(std::move(o)) {}

  url address;
  consumer_options opts;

  // basic.qos bounds what the runtime holds: running plus prefetched.
  std::uint16_t qos() const {
    return static_cast<std::uint16_t>(std::max<std::size_t>(opts.prefetch, opts.concurrency));
  }

  worker_runtime_options runtime_options() const {
    worker_runtime_options r;
    r.concurrency = opts.concurrency;
    r.prefetch = qos() - opts.concurrency;
    r.idle_wait = std::max(opts.poll_interval, milliseconds(1));
    r.max_ack_delay = milliseconds(5);
    r.error_backoff = milliseconds(50);  // the source keeps the reconnect backoff
    r.unexpected_exception = ferry::outcome::kind::dead_letter;
    r.run_prefetched_on_stop = false;  // closing the channel gives them back at once
    r.observer = opts.observer;
    r.component = "amqp.consumer";
    return r;
  }

  void run(const delivery_handler& h, const std::atomic<bool>& stop) {
    detail::consumer_source source{address, opts, qos()};
    worker_runtime runtime{source, h, runtime_options()};
    runtime.start();
    while (!stop.load(std::memory_order_relaxed) && !source.fatal()) {
      std::this_thread::sleep_for(std::min(opts.poll_interval, milliseconds(50)));
    }
    runtime.stop();
    source.shutdown();
    if (auto e = source.fatal()) std::rethrow_exception(e);
  }
};

consumer::consumer(url address, consumer_options options) {
  if (options.queue.empty()) throw std::invalid_argument("consumer: queue must not be empty");
  if (options.prefetch == 0) throw std::invalid_argument("consumer: prefetch must be >= 1");
  if (options.concurrency == 0) throw std::invalid_argument("consumer: concurrency must be >= 1");
  options.retry.policy.validate();
  p_ = std::make_unique<impl>(std::move(address), std::move(options));
}

consumer::~consumer() = default;

void consumer::run(const handler& h) {
  if (!h) throw std::invalid_argument("consumer::run: empty handler");
  p_->run(adapt(h, p_->opts), stop_);
}

void consumer::run(const delivery_handler& h) {
  if (!h) throw std::invalid_argument("consumer::run: empty handler");
  p_->run(h, stop_);
}

std::string consumer::retry_queue_name(std::chrono::milliseconds delay) const {
  return p_->opts.queue + ".retry." + std::to_string(delay.count());
}

std::string consumer::dead_letter_queue_name() const {
  return p_->opts.queue + ".dlq";
}

}  // namespace ferry::amqp
