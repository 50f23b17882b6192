#include "ferry/amqp/publisher.hpp"

#include <map>
#include <random>
#include <thread>
#include <vector>

#include "amqp/detail/c_types.hpp"
#include "amqp/detail/session.hpp"
#include "ferry/core/error.hpp"

namespace ferry::amqp {

namespace {

using clock = std::chrono::steady_clock;

struct outgoing {
  std::uint64_t id = 0;  // ferry's own, stable across re-sends
  std::string exchange;
  std::string routing_key;
  message msg;
  bool mandatory = false;
  std::optional<std::string> returned;  // set by basic.return; the following ack then fails
};

struct failure {
  std::uint64_t id;
  errc code;
  std::string text;
};

}  // namespace

struct publisher::impl {
  impl(const url& u, publisher_options o) : opts(std::move(o)), conn(u) {
    if (opts.window == 0) throw std::invalid_argument("publisher: window must be >= 1");
    setup();
  }

  publisher_options opts;
  connection conn;
  std::map<std::uint64_t, outgoing> inflight;  // broker sequence number -> message
  std::vector<failure> failed;
  std::uint64_t next_seq = 1;
  std::uint64_t generation = 0;
  std::uint64_t next_id = 1;
  std::mt19937_64 rng{std::random_device{}()};

  detail::session& s() { return conn.session_(); }

  void setup() {
    s().confirm_select();
    opts.declare.declare(conn);
  }

  // Sequence numbers restart at 1 on every new channel.
  void sync_generation() {
    s().state();
    if (s().channel_generation() != generation) {
      generation = s().channel_generation();
      next_seq = 1;
    }
  }

  // Stores the message under the next sequence number, then sends it: if the send fails
  // the message is still in flight and is re-sent after reconnecting.
  void send(outgoing o) {
    sync_generation();
    const std::uint64_t seq = next_seq++;
    transmit(inflight.emplace(seq, std::move(o)).first->second);
  }

  void transmit(const outgoing& o) {
    detail::arena a;
    amqp_basic_properties_t props;
    detail::to_c(o.msg.props, props, a);
    s().check_status(amqp_basic_publish(s().state(), s().channel(), detail::as_bytes(o.exchange),
                                        detail::as_bytes(o.routing_key), o.mandatory ? 1 : 0, 0,
                                        &props, detail::as_bytes(o.msg.body)),
                     "basic.publish");
  }

  void settle(std::uint64_t seq, bool ok) {
    auto it = inflight.find(seq);
    if (it == inflight.end()) return;
    if (!ok) {
      failed.push_back({it->second.id, errc::publish_nacked,
                        "amqp: broker nacked message to exchange '" + it->second.exchange +
                            "' routing key '" + it->second.routing_key + "'"});
    } else if (it->second.returned) {
      failed.push_back({it->second.id, errc::publish_nacked,
                        "amqp: message unroutable: exchange '" + it->second.exchange +
                            "' routing key '" + it->second.routing_key + "' (" +
                            *it->second.returned + ")"});
    }
    inflight.erase(it);
  }

  void handle(const detail::event& ev) {
    using kind = detail::event::kind;
    switch (ev.k) {
      case kind::ack:
      case kind::nack: {
        const bool ok = ev.k == kind::ack;
        if (ev.multiple) {
          while (!inflight.empty() && inflight.begin()->first <= ev.tag)
            settle(inflight.begin()->first, ok);
        } else {
          settle(ev.tag, ok);
        }
        break;
      }
      case kind::returned:
        // A return precedes the ack of its message; routing is decided in publish order, so
        // the earliest unreturned mandatory message with this exchange + key is the one.
        for (auto& [seq, o] : inflight) {
          if (o.mandatory && !o.returned && o.exchange == ev.d.exchange &&
              o.routing_key == ev.d.routing_key) {
            o.returned = std::to_string(ev.reply_code) + " " + ev.reply_text;
            break;
          }
        }
        break;
      default: break;
    }
  }

  void reconnect(const ferry::error& cause) {
    opts.observer.error(cause, {.component = "amqp.publisher", .operation = "reconnect"});
    const auto deadline = clock::now() + opts.reconnect_deadline;
    std::string last = cause.what();
    for (int attempt = 1;; ++attempt) {
      const auto delay = opts.reconnect.delay_for(attempt, rng);
      if (clock::now() + delay > deadline)
        throw ferry::error(errc::connection_failed,
                           "amqp publisher: could not reconnect within " +
                               std::to_string(opts.reconnect_deadline.count()) +
                               " ms; last error: " + last);
      std::this_thread::sleep_for(delay);
      try {
        s().open();
        setup();
        // New channel: renumber everything unconfirmed from 1 and re-send it in the original
        // order (at-least-once). If a send fails, all of it is still in flight for next time.
        sync_generation();
        std::map<std::uint64_t, outgoing> renumbered;
        for (auto& [seq, o] : inflight) {
          o.returned.reset();
          renumbered.emplace(next_seq++, std::move(o));
        }
        inflight.swap(renumbered);
        for (const auto& [seq, o] : inflight) transmit(o);
        return;
      } catch (const ferry::error& e) {
        if (!e.is_transient()) throw;
        last = e.what();
      }
    }
  }

  // Runs `fn`; on a lost connection reconnects, re-sends and runs it again. On a channel
  // error, every unconfirmed message fails with that error (the broker does not say which
  // message caused it).
  template <class Fn>
  void guarded(Fn&& fn) {
    for (;;) {
      try {
        fn();
        return;
      } catch (const ferry::error& e) {
        if (!conn.is_open() && e.is_transient()) {
          reconnect(e);
          continue;
        }
        if (conn.is_open()) {
          for (auto& [seq, o] : inflight) failed.push_back({o.id, e.kind(), e.what()});
          inflight.clear();
        }
        throw;
      }
    }
  }

  // Processes events until `done()` or the confirm timeout.
  template <class Done>
  void pump_until(Done done) {
    const auto deadline = clock::now() + opts.confirm_timeout;
    while (!done()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0)
        throw ferry::error(errc::timeout, "amqp publisher: " + std::to_string(inflight.size()) +
                                              " message(s) not confirmed within " +
                                              std::to_string(opts.confirm_timeout.count()) + " ms");
      if (auto ev = s().next_event(std::min(left, std::chrono::milliseconds(250)))) handle(*ev);
    }
  }

  std::uint64_t enqueue(std::string_view exchange, std::string_view key, const message& msg,
                        publish_options f) {
    outgoing o{next_id++, std::string(exchange), std::string(key), msg, f.mandatory, {}};
    const std::uint64_t id = o.id;
    bool stored = false;  // once stored, a reconnect re-sends it: never send it twice
    guarded([&] {
      if (stored) return;
      pump_until([&] { return inflight.size() < opts.window; });
      stored = true;
      send(std::move(o));
    });
    return id;
  }

  // Throws the failure for `id` if there is one (and forgets it).
  void throw_if_failed(std::uint64_t id) {
    for (auto it = failed.begin(); it != failed.end(); ++it) {
      if (it->id == id) {
        ferry::error e(it->code, it->text);
        failed.erase(it);
        throw e;
      }
    }
  }

  // Throws one error for every failure not reported yet (and forgets them).
  void throw_failures() {
    if (failed.empty()) return;
    const std::size_t n = failed.size();
    const failure first = failed.front();
    failed.clear();
    throw ferry::error(first.code, std::to_string(n) + " message(s) failed; first: " + first.text);
  }

  void forget_failure(std::uint64_t id) {
    std::erase_if(failed, [id](const failure& f) { return f.id == id; });
  }

  bool is_inflight(std::uint64_t id) const {
    for (const auto& [seq, o] : inflight)
      if (o.id == id) return true;
    return false;
  }
};

publisher::publisher(const url& address, publisher_options options)
    : p_(std::make_unique<impl>(address, std::move(options))) {}
publisher::~publisher() = default;
publisher::publisher(publisher&&) noexcept = default;
publisher& publisher::operator=(publisher&&) noexcept = default;

void publisher::publish(std::string_view exchange, std::string_view routing_key, const message& msg,
                        publish_options flags) {
  const std::uint64_t id = p_->enqueue(exchange, routing_key, msg, flags);
  try {
    p_->guarded([&] { p_->pump_until([&] { return !p_->is_inflight(id); }); });
  } catch (const ferry::error&) {
    p_->forget_failure(id);  // reported here, so not again by wait_confirms()
    throw;
  }
  p_->throw_if_failed(id);
}

void publisher::publish_async(std::string_view exchange, std::string_view routing_key,
                              const message& msg, publish_options flags) {
  (void)p_->enqueue(exchange, routing_key, msg, flags);
}

void publisher::wait_confirms() {
  p_->guarded([&] { p_->pump_until([&] { return p_->inflight.empty(); }); });
  p_->throw_failures();
}

void publisher::check_confirms() {
  p_->guarded([&] {
    while (!p_->inflight.empty()) {
      auto ev = p_->s().next_event(std::chrono::milliseconds(0));
      if (!ev) break;
      p_->handle(*ev);
    }
  });
  p_->throw_failures();
}

std::size_t publisher::unconfirmed() const noexcept {
  return p_->inflight.size();
}

connection& publisher::conn() noexcept {
  return p_->conn;
}

}  // namespace ferry::amqp
