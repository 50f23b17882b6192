// basic_consumer: the consumer thread owns the rabbitmq-c connection; other threads only append
// to `pending` under a mutex and poke an eventfd, which next() polls beside the socket.
#include "ferry/amqp/basic_consumer.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <stdexcept>

#include "amqp/detail/c_types.hpp"
#include "amqp/detail/session.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/core/error.hpp"

namespace ferry::amqp {

namespace {
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct op {
  enum class kind { ack, reject, requeue, qos } k;
  std::uint64_t value;
};
}  // namespace

struct basic_consumer::impl {
  basic_consumer_options opts;
  std::unique_ptr<connection> conn;
  int wake_fd = -1;
  // Held for every rabbitmq-c call on the connection: the consumer thread's reads and writes,
  // and acks other threads write themselves (write_ack). Never held across poll().
  std::mutex io_mu;
  std::mutex mu;
  std::vector<op> pending;
  std::vector<op> sending;  // consumer thread only; swapped with `pending`, so both keep capacity
  std::deque<delivery> buffered;
  std::vector<std::string> consumer_tags;  // consumer thread only
  // The prefetch count is the channel's (global): from the start with opts.global_qos, else
  // from the first set_prefetch(). Consumer thread only.
  bool channel_count = false;

  detail::session& s() { return conn->session_(); }

  void push(op o) noexcept {
    try {
      std::lock_guard lk(mu);
      pending.push_back(o);
    } catch (...) {  // out of memory: the broker requeues the message when the connection ends
      return;
    }
    poke();
  }
  void poke() const noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }
  void drain_wake() const noexcept {
    std::uint64_t v = 0;
    [[maybe_unused]] auto n = ::read(wake_fd, &v, sizeof v);
  }

  void qos(std::uint16_t prefetch, bool global) {
    s().rpc(amqp_basic_qos(s().state(), s().channel(), 0, prefetch, global ? 1 : 0), "basic.qos");
  }

  void consume_all() {
    consumer_tags.clear();
    for (const auto& q : opts.queues) {
      auto* ok = s().rpc(amqp_basic_consume(s().state(), s().channel(), detail::as_bytes(q),
                                            amqp_empty_bytes, 0, 0, 0, amqp_empty_table),
                         "basic.consume '" + q + "'");
      consumer_tags.push_back(detail::to_string(ok->consumer_tag));
    }
  }

  // A new prefetch count. RabbitMQ applies a per-consumer count (global = false) only to
  // consumers started after it, so the first change of one moves the channel to a shared
  // count: no per-consumer limit, `prefetch` for the channel (which counts the deliveries
  // still unacked), and the consumers restarted under it. Deliveries already on their way to
  // the cancelled consumers still arrive and are acked as any other.
  void set_prefetch(std::uint16_t prefetch) {
    if (channel_count) return qos(prefetch, true);
    qos(0, false);
    qos(prefetch, true);
    channel_count = true;
    for (const auto& tag : consumer_tags)
      s().rpc(amqp_basic_cancel(s().state(), s().channel(), detail::as_bytes(tag)), "basic.cancel");
    consume_all();
  }

  // Writes an ack from the calling thread at once, so a consumer thread blocked in poll() for
  // the delivery this ack lets the broker send is not woken just to write it. False when it
  // could not be written: the caller queues it, and the consumer thread meets the error.
  bool write_ack(std::uint64_t tag) noexcept {
    try {
      std::lock_guard io(io_mu);
      if (!conn->is_open()) return false;
      s().check_status(amqp_basic_ack(s().state(), s().channel(), tag, 0), "basic.ack");
      return true;
    } catch (...) {
      return false;
    }
  }

  void send_pending() {
    sending.clear();  // what a failed send left: void, the connection is gone
    {
      std::lock_guard lk(mu);
      sending.swap(pending);
    }
    auto* st = s().state();
    const auto ch = s().channel();
    for (const auto& o : sending) {
      switch (o.k) {
        case op::kind::ack:
          s().check_status(amqp_basic_ack(st, ch, o.value, 0), "basic.ack");
          break;
        case op::kind::reject:
        case op::kind::requeue:
          s().check_status(amqp_basic_reject(st, ch, o.value, o.k == op::kind::requeue ? 1 : 0),
                           "basic.reject");
          break;
        case op::kind::qos: set_prefetch(static_cast<std::uint16_t>(o.value)); break;
      }
    }
  }

  // Reads one frame if one is complete; keeps deliveries, fails on cancel/close.
  void read_event() {
    auto ev = s().next_event(milliseconds(0));
    if (!ev) return;
    if (ev->k == detail::event::kind::deliver) {
      buffered.push_back(std::move(ev->d));
    } else if (ev->k == detail::event::kind::cancelled) {
      throw error(errc::connection_failed, "amqp: consumer cancelled by the broker");
    }
  }
};

basic_consumer::basic_consumer(const url& address, basic_consumer_options options)
    : p_(std::make_unique<impl>()) {
  if (options.queues.empty()) throw std::invalid_argument("basic_consumer: no queues");
  p_->opts = std::move(options);
  p_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p_->wake_fd < 0) throw error(errc::io_error, "basic_consumer: eventfd failed");
  p_->conn = std::make_unique<connection>(address);
  p_->opts.declare.declare(*p_->conn);
  p_->channel_count = p_->opts.global_qos;
  p_->qos(p_->opts.prefetch, p_->channel_count);
  p_->consume_all();
}

basic_consumer::~basic_consumer() {
  if (!p_) return;
  // Closing the channel requeues whatever is still unacked; nothing to cancel first.
  if (p_->conn) p_->conn->close();
  if (p_->wake_fd >= 0) ::close(p_->wake_fd);
}

std::optional<delivery> basic_consumer::next(milliseconds wait) {
  impl& p = *p_;
  const auto deadline = steady::now() + wait;
  bool polled = false;
  for (;;) {
    int sock = -1;
    {
      std::lock_guard io(p.io_mu);
      p.send_pending();
      if (!p.buffered.empty()) {
        delivery d = std::move(p.buffered.front());
        p.buffered.pop_front();
        return d;
      }
      auto* st = p.s().state();
      if (amqp_frames_enqueued(st) || amqp_data_in_buffer(st)) {
        p.read_event();
        continue;
      }
      sock = amqp_get_sockfd(st);
    }
    const auto now = steady::now();
    // Past the deadline, the socket is still looked at once (a zero wait takes what has
    // arrived, not only what rabbitmq-c has already read).
    if (now >= deadline && polled) return std::nullopt;
    polled = true;
    // Wake at least every heartbeat/2 so rabbitmq-c can send its heartbeat.
    auto slice = now >= deadline
                     ? milliseconds(0)
                     : std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1);
    if (const auto hb = p.conn->heartbeat(); hb.count() > 0)
      slice = std::min(slice, milliseconds(hb) / 2);
    pollfd fds[2] = {{sock, POLLIN, 0}, {p.wake_fd, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(slice.count()));
    if (n < 0 && errno != EINTR) throw error(errc::io_error, "basic_consumer: poll failed");
    std::lock_guard io(p.io_mu);
    if (n > 0 && (fds[1].revents & POLLIN)) {
      p.drain_wake();
      p.send_pending();
      if (!(fds[0].revents & POLLIN)) return std::nullopt;
    }
    if (n == 0 && slice.count() == 0) return std::nullopt;  // a zero wait: nothing has arrived
    // Lets rabbitmq-c read what arrived and send a due heartbeat.
    p.read_event();
  }
}

void basic_consumer::ack(std::uint64_t tag) noexcept {
  if (!p_->write_ack(tag)) p_->push({op::kind::ack, tag});
}
void basic_consumer::reject(std::uint64_t tag, bool requeue) noexcept {
  p_->push({requeue ? op::kind::requeue : op::kind::reject, tag});
}
void basic_consumer::set_prefetch(std::uint16_t prefetch) noexcept {
  p_->push({op::kind::qos, prefetch});
}
void basic_consumer::wake() noexcept {
  p_->poke();
}
void basic_consumer::flush() {
  std::lock_guard io(p_->io_mu);
  p_->send_pending();
}
bool basic_consumer::is_open() const noexcept {
  return p_->conn && p_->conn->is_open();
}

}  // namespace ferry::amqp
