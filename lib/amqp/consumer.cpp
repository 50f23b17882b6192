#include "ferry/amqp/consumer.hpp"

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "amqp/detail/c_types.hpp"
#include "amqp/detail/session.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/error.hpp"

namespace ferry::amqp {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t max_error_header = 1000;  // keep x-ferry-error well below frame_max

}  // namespace

struct consumer::impl {
  impl(url u, consumer_options o, std::atomic<bool>& flag)
      : address(std::move(u)), opts(std::move(o)), stop(flag) {}

  url address;
  consumer_options opts;
  std::atomic<bool>& stop;
  std::unique_ptr<connection> conn;
  std::deque<delivery> buffered;  // deliveries that arrived while we waited for a confirm
  std::string tag;
  std::uint64_t next_seq = 1;
  std::uint64_t generation = 0;
  std::mt19937_64 rng{std::random_device{}()};

  detail::session& s() { return conn->session_(); }

  std::string retry_name(milliseconds d) const {
    return opts.queue + ".retry." + std::to_string(d.count());
  }
  std::string dlq_name() const { return opts.queue + ".dlq"; }

  milliseconds poll() const {
    milliseconds p = opts.poll_interval;
    if (conn) {
      const auto hb = conn->heartbeat();
      if (hb.count() > 0) p = std::min(p, milliseconds(hb) / 2);
    }
    return std::max(p, milliseconds(1));
  }

  void report(std::exception_ptr e, const delivery* d) noexcept {
    if (!opts.on_error) return;
    try {
      opts.on_error(e, d);
    } catch (...) {  // a throwing callback must not kill the loop
    }
  }

  void declare_retry_topology() {
    std::set<std::int64_t> delays;
    for (int a = 1; a < opts.retry.policy.max_attempts; ++a)
      delays.insert(opts.retry.policy.nominal_delay(a).count());
    for (const auto ms : delays) {
      // Expired messages go back to the work queue through the default exchange, so they
      // reach exactly that queue even if its exchange has other bindings.
      queue_spec q;
      q.name = retry_name(milliseconds(ms));
      q.dead_letter_exchange = "";
      q.dead_letter_routing_key = opts.queue;
      q.message_ttl = milliseconds(ms);
      declare_queue(*conn, q);
    }
    queue_spec dlq;
    dlq.name = dlq_name();
    declare_queue(*conn, dlq);
  }

  void setup() {
    conn = std::make_unique<connection>(address);
    buffered.clear();
    // A new connection numbers its confirms from 1 again.
    generation = 0;
    next_seq = 1;
    opts.declare.declare(*conn);
    if (opts.retry.enabled) declare_retry_topology();
    s().confirm_select();
    s().rpc(amqp_basic_qos(s().state(), s().channel(), 0, opts.prefetch, 0), "basic.qos");
    auto* ok = s().rpc(amqp_basic_consume(s().state(), s().channel(), detail::as_bytes(opts.queue),
                                          amqp_empty_bytes, 0, 0, 0, amqp_empty_table),
                       "basic.consume '" + opts.queue + "'");
    tag = detail::to_string(ok->consumer_tag);
  }

  void ack(std::uint64_t t) {
    s().check_status(amqp_basic_ack(s().state(), s().channel(), t, 0), "basic.ack");
  }
  void nack(std::uint64_t t, bool requeue) {
    s().check_status(amqp_basic_nack(s().state(), s().channel(), t, 0, requeue ? 1 : 0),
                     "basic.nack");
  }
  void reject(std::uint64_t t) {
    s().check_status(amqp_basic_reject(s().state(), s().channel(), t, 0), "basic.reject");
  }

  // Publishes to the default exchange and waits for the broker's confirm. Deliveries that
  // arrive meanwhile are kept for later.
  void publish_confirmed(const std::string& queue, const message& m) {
    s().state();
    if (s().channel_generation() != generation) {
      generation = s().channel_generation();
      next_seq = 1;
    }
    const std::uint64_t seq = next_seq++;
    detail::arena a;
    amqp_basic_properties_t props;
    detail::to_c(m.props, props, a);
    s().check_status(
        amqp_basic_publish(s().state(), s().channel(), amqp_empty_bytes, detail::as_bytes(queue), 1,
                           0, &props, detail::as_bytes(m.body)),
        "basic.publish to '" + queue + "'");
    bool returned = false;
    const auto deadline = steady::now() + std::chrono::seconds(30);
    while (steady::now() < deadline) {
      auto ev = s().next_event(poll());
      if (!ev) continue;
      using kind = detail::event::kind;
      switch (ev->k) {
        case kind::deliver: buffered.push_back(std::move(ev->d)); break;
        case kind::returned: returned = true; break;
        case kind::ack:
        case kind::nack:
          if (ev->tag == seq || (ev->multiple && ev->tag >= seq)) {
            if (ev->k == kind::nack)
              throw ferry::error(errc::publish_nacked,
                                 "amqp: broker nacked copy to '" + queue + "'");
            if (returned)
              throw ferry::error(errc::publish_nacked, "amqp: copy to '" + queue + "' unroutable");
            return;
          }
          break;
        case kind::cancelled:
          throw ferry::error(errc::connection_failed, "amqp: consumer cancelled by the broker");
        default: break;
      }
    }
    throw ferry::error(errc::timeout, "amqp: no confirm for copy to '" + queue + "' within 30 s");
  }

  message failure_copy(const delivery& d, const std::string& reason, std::int64_t attempts) {
    message copy = d.msg;
    table& h = copy.props.headers;
    const timestamp now{
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())};
    if (!h.contains("x-ferry-first-failure")) h.set("x-ferry-first-failure", now);
    h.set("x-ferry-last-failure", now);
    h.set("x-ferry-error", reason.substr(0, max_error_header));
    h.set("x-ferry-attempts", attempts);
    return copy;
  }

  void dead_letter(const delivery& d, const std::string& reason, std::int64_t attempts) {
    if (!opts.retry.enabled) {
      reject(d.delivery_tag);
      return;
    }
    publish_confirmed(dlq_name(), failure_copy(d, reason, attempts));
    ack(d.delivery_tag);  // only after the copy is safely stored
  }

  void retry_later(const delivery& d, const std::string& reason) {
    if (!opts.retry.enabled) {
      nack(d.delivery_tag, true);
      return;
    }
    const std::int64_t attempts = d.msg.props.headers.get_int("x-ferry-attempts").value_or(0) + 1;
    const int n = static_cast<int>(std::min<std::int64_t>(attempts, 1'000'000));
    if (!opts.retry.policy.should_retry(n)) {
      dead_letter(d, reason, attempts);
      return;
    }
    publish_confirmed(retry_name(opts.retry.policy.nominal_delay(n)),
                      failure_copy(d, reason, attempts));
    ack(d.delivery_tag);
  }

  void process(const handler& h, const delivery& d) {
    outcome o = outcome::ack;
    std::string reason = "handler asked to retry later";
    bool dead = false;
    try {
      o = h(d);
    } catch (const ferry::error& e) {
      report(std::current_exception(), &d);
      reason = e.what();
      if (e.is_transient())
        o = outcome::retry_later;
      else
        dead = true;
    } catch (const std::exception& e) {
      report(std::current_exception(), &d);
      reason = e.what();
      dead = true;
    } catch (...) {
      report(std::current_exception(), &d);
      reason = "unknown exception";
      dead = true;
    }
    const std::int64_t attempts = d.msg.props.headers.get_int("x-ferry-attempts").value_or(0) + 1;
    if (dead) return dead_letter(d, reason, attempts);
    switch (o) {
      case outcome::ack: ack(d.delivery_tag); break;
      case outcome::reject: reject(d.delivery_tag); break;
      case outcome::retry_later: retry_later(d, reason); break;
    }
  }

  void consume_loop(const handler& h) {
    while (!stop.load(std::memory_order_relaxed)) {
      if (!buffered.empty()) {
        delivery d = std::move(buffered.front());
        buffered.pop_front();
        process(h, d);
        continue;
      }
      auto ev = s().next_event(poll());
      if (!ev) continue;
      if (ev->k == detail::event::kind::deliver) {
        buffered.push_back(std::move(ev->d));
      } else if (ev->k == detail::event::kind::cancelled) {
        throw ferry::error(errc::connection_failed,
                           "amqp: consumer of '" + opts.queue + "' cancelled by the broker");
      }
    }
  }

  void shutdown() noexcept {
    if (!conn) return;
    try {
      if (conn->is_open())
        s().rpc(amqp_basic_cancel(s().state(), s().channel(), detail::as_bytes(tag)),
                "basic.cancel");
    } catch (...) {
    }
    // Closing the channel returns prefetched, unhandled deliveries to the queue.
    conn->close();
    conn.reset();
    buffered.clear();
  }

  void sleep_unless_stopped(milliseconds d) {
    const auto until = steady::now() + d;
    while (!stop.load(std::memory_order_relaxed) && steady::now() < until)
      std::this_thread::sleep_for(std::min(milliseconds(50), d));
  }

  void run(const handler& h) {
    int attempt = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      bool consuming = false;
      try {
        setup();
        consuming = true;
        attempt = 0;
        consume_loop(h);
        shutdown();
        return;
      } catch (const ferry::error& e) {
        // Setup errors that retrying cannot fix (bad credentials, conflicting declarations,
        // missing queue) end run(); anything after consuming began, or transient, reconnects.
        if (!consuming && !e.is_transient()) {
          shutdown();
          throw;
        }
        report(std::current_exception(), nullptr);
        if (conn) conn->close();
        conn.reset();
        buffered.clear();
        ++attempt;
        sleep_unless_stopped(opts.reconnect.delay_for(std::min(attempt, 30), rng));
      }
    }
    shutdown();
  }
};

consumer::consumer(url address, consumer_options options) {
  if (options.queue.empty()) throw std::invalid_argument("consumer: queue must not be empty");
  if (options.prefetch == 0) throw std::invalid_argument("consumer: prefetch must be >= 1");
  options.retry.policy.validate();
  p_ = std::make_unique<impl>(std::move(address), std::move(options), stop_);
}

consumer::~consumer() = default;

void consumer::run(const handler& h) {
  if (!h) throw std::invalid_argument("consumer::run: empty handler");
  p_->run(h);
}

std::string consumer::retry_queue_name(std::chrono::milliseconds delay) const {
  return p_->retry_name(delay);
}

std::string consumer::dead_letter_queue_name() const {
  return p_->dlq_name();
}

}  // namespace ferry::amqp
