#include "amqp/consumer_source.hpp"

#include <algorithm>
#include <any>
#include <set>
#include <thread>

#include "amqp/detail/c_types.hpp"
#include "amqp/detail/session.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/core/error.hpp"

namespace ferry::amqp::detail {
namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t max_error_header = 1000;  // keep x-ferry-error well below frame_max

std::string retry_name(const consumer_options& o, milliseconds d) {
  return o.queue + ".retry." + std::to_string(d.count());
}

std::string dlq_name(const consumer_options& o) {
  return o.queue + ".dlq";
}

std::int64_t attempts_before(const amqp::delivery& d) {
  return d.msg.props.headers.get_int("x-ferry-attempts").value_or(0);
}

}  // namespace

consumer_source::consumer_source(url address, const consumer_options& options, std::uint16_t qos)
    : address_(std::move(address)), opts_(options), qos_(qos) {}

consumer_source::~consumer_source() {
  shutdown();
}

session& consumer_source::s() {
  return conn_->session_();
}

std::exception_ptr consumer_source::fatal() const {
  std::lock_guard lock{fatal_mutex_};
  return fatal_;
}

std::chrono::milliseconds consumer_source::upkeep_interval() const {
  milliseconds p = opts_.poll_interval;
  if (conn_) {
    const auto hb = conn_->heartbeat();
    if (hb.count() > 0) p = std::min(p, milliseconds(hb) / 2);
  }
  return std::max(p, milliseconds(1));
}

void consumer_source::declare_retry_topology() {
  std::set<std::int64_t> delays;
  for (int a = 1; a < opts_.retry.policy.max_attempts; ++a)
    delays.insert(opts_.retry.policy.nominal_delay(a).count());
  for (const auto ms : delays) {
    // Expired messages go back to the work queue through the default exchange, so they reach
    // exactly that queue even if its exchange has other bindings.
    queue_spec q;
    q.name = retry_name(opts_, milliseconds(ms));
    q.dead_letter_exchange = "";
    q.dead_letter_routing_key = opts_.queue;
    q.message_ttl = milliseconds(ms);
    declare_queue(*conn_, q);
  }
  queue_spec dlq;
  dlq.name = dlq_name(opts_);
  declare_queue(*conn_, dlq);
}

void consumer_source::setup() {
  conn_ = std::make_unique<connection>(address_);
  buffered_.clear();
  generation_ = 0;  // a new connection numbers its confirms from 1 again
  next_seq_ = 1;
  opts_.declare.declare(*conn_);
  if (opts_.retry.enabled) declare_retry_topology();
  s().confirm_select();
  s().rpc(amqp_basic_qos(s().state(), s().channel(), 0, qos_, 0), "basic.qos");
  auto* ok = s().rpc(amqp_basic_consume(s().state(), s().channel(), as_bytes(opts_.queue),
                                        amqp_empty_bytes, 0, 0, 0, amqp_empty_table),
                     "basic.consume '" + opts_.queue + "'");
  tag_ = to_string(ok->consumer_tag);
}

// Connects unless the backoff after the last loss still runs. A setup error that retrying
// cannot fix becomes fatal(); a transient one schedules the next try and is thrown.
bool consumer_source::connect() {
  if (steady::now() < next_connect_) return false;
  try {
    setup();
    reconnects_ = 0;
    return true;
  } catch (const ferry::error& e) {
    conn_.reset();
    tag_.clear();
    if (!e.is_transient()) {
      std::lock_guard lock{fatal_mutex_};
      fatal_ = std::current_exception();
      return false;
    }
    next_connect_ = steady::now() + opts_.reconnect.delay_for(std::min(++reconnects_, 30), rng_);
    throw;
  }
}

void consumer_source::lost_connection() {
  if (conn_) conn_->close();
  conn_.reset();
  buffered_.clear();
  tag_.clear();  // outcomes of this connection's deliveries are dropped from now on
  next_connect_ = steady::now() + opts_.reconnect.delay_for(std::min(++reconnects_, 30), rng_);
}

// Reads one event: deliveries are buffered, a cancel by the broker is a lost connection.
bool consumer_source::read_one(milliseconds timeout) {
  auto ev = s().next_event(timeout);
  if (!ev) return false;
  if (ev->k == event::kind::deliver) {
    buffered_.push_back(std::move(ev->d));
  } else if (ev->k == event::kind::cancelled) {
    throw ferry::error(errc::connection_failed,
                       "amqp: consumer of '" + opts_.queue + "' cancelled by the broker");
  }
  return true;
}

// Publishes to the default exchange and waits for the broker's confirm. Deliveries that arrive
// meanwhile are kept for later.
void consumer_source::publish_confirmed(const std::string& queue, const message& m) {
  s().state();
  if (s().channel_generation() != generation_) {
    generation_ = s().channel_generation();
    next_seq_ = 1;
  }
  const std::uint64_t seq = next_seq_++;
  arena a;
  amqp_basic_properties_t props;
  to_c(m.props, props, a);
  s().check_status(amqp_basic_publish(s().state(), s().channel(), amqp_empty_bytes, as_bytes(queue),
                                      1, 0, &props, as_bytes(m.body)),
                   "basic.publish to '" + queue + "'");
  bool returned = false;
  const auto deadline = steady::now() + std::chrono::seconds(30);
  while (steady::now() < deadline) {
    auto ev = s().next_event(upkeep_interval());
    if (!ev) continue;
    switch (ev->k) {
      case event::kind::deliver: buffered_.push_back(std::move(ev->d)); break;
      case event::kind::returned: returned = true; break;
      case event::kind::ack:
      case event::kind::nack:
        if (ev->tag == seq || (ev->multiple && ev->tag >= seq)) {
          if (ev->k == event::kind::nack)
            throw ferry::error(errc::publish_nacked, "amqp: broker nacked copy to '" + queue + "'");
          if (returned)
            throw ferry::error(errc::publish_nacked, "amqp: copy to '" + queue + "' unroutable");
          return;
        }
        break;
      case event::kind::cancelled:
        throw ferry::error(errc::connection_failed, "amqp: consumer cancelled by the broker");
      default: break;
    }
  }
  throw ferry::error(errc::timeout, "amqp: no confirm for copy to '" + queue + "' within 30 s");
}

message consumer_source::failure_copy(const amqp::delivery& d, const std::string& reason,
                                      std::int64_t attempts) const {
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

void consumer_source::dead_letter(const amqp::delivery& d, const std::string& reason) {
  if (!opts_.retry.enabled) {
    s().check_status(amqp_basic_reject(s().state(), s().channel(), d.delivery_tag, 0),
                     "basic.reject");
    return;
  }
  publish_confirmed(dlq_name(opts_), failure_copy(d, reason, attempts_before(d) + 1));
  s().check_status(amqp_basic_ack(s().state(), s().channel(), d.delivery_tag, 0), "basic.ack");
}

void consumer_source::retry_later(const amqp::delivery& d, const std::string& reason) {
  if (!opts_.retry.enabled) {
    s().check_status(amqp_basic_nack(s().state(), s().channel(), d.delivery_tag, 0, 1),
                     "basic.nack");
    return;
  }
  const std::int64_t attempts = attempts_before(d) + 1;
  const int n = static_cast<int>(std::min<std::int64_t>(attempts, 1'000'000));
  if (!opts_.retry.policy.should_retry(n)) return dead_letter(d, reason);
  // The copy goes first; the ack only after the broker confirmed it.
  publish_confirmed(retry_name(opts_, opts_.retry.policy.nominal_delay(n)),
                    failure_copy(d, reason, attempts));
  s().check_status(amqp_basic_ack(s().state(), s().channel(), d.delivery_tag, 0), "basic.ack");
}

void consumer_source::settle_one(amqp::delivery& d, const ferry::outcome& verdict) {
  switch (verdict.what()) {
    case ferry::outcome::kind::ack:
      s().check_status(amqp_basic_ack(s().state(), s().channel(), d.delivery_tag, 0), "basic.ack");
      break;
    case ferry::outcome::kind::reject:
      s().check_status(amqp_basic_reject(s().state(), s().channel(), d.delivery_tag, 0),
                       "basic.reject");
      break;
    case ferry::outcome::kind::retry: retry_later(d, verdict.reason()); break;
    case ferry::outcome::kind::dead_letter: dead_letter(d, verdict.reason()); break;
  }
}

// Each settlement leaves `done` once applied; those of a lost connection are dropped.
void consumer_source::settle(std::vector<settlement>& done) {
  while (!done.empty()) {
    settlement& last = done.back();
    auto& d = std::any_cast<amqp::delivery&>(last.what.native);
    if (conn_ && d.consumer_tag == tag_) {
      d.msg.body = std::move(last.what.payload);
      settle_one(d, last.verdict);
    }
    done.pop_back();
  }
}

ferry::delivery consumer_source::to_delivery(amqp::delivery&& d) const {
  ferry::delivery out;
  out.id = d.msg.props.message_id.value_or("");
  out.queue = opts_.queue;
  out.payload = std::move(d.msg.body);
  out.attempt = static_cast<int>(std::min<std::int64_t>(attempts_before(d), 1'000'000)) + 1;
  if (opts_.retry.enabled) out.max_attempts = opts_.retry.policy.max_attempts;
  if (auto e = d.msg.props.headers.get_string("x-ferry-error")) out.last_error = std::string(*e);
  out.native = std::move(d);
  return out;
}

std::vector<ferry::delivery> consumer_source::exchange(std::vector<settlement>& done,
                                                       std::size_t want,
                                                       std::chrono::milliseconds wait) {
  if (fatal()) {
    done.clear();
    return {};
  }
  std::vector<ferry::delivery> out;
  try {
    if (!conn_ && !connect()) {
      done.clear();  // nothing of the lost connection can be settled any more
      std::this_thread::sleep_for(std::min(wait, milliseconds(50)));
      return out;
    }
    if (!done.empty()) {
      settle(done);
      wait = milliseconds(0);  // others may be waiting for their settlement's round trip
    }
    const auto deadline = steady::now() + wait;
    while (out.size() < want) {
      if (!buffered_.empty()) {
        out.push_back(to_delivery(std::move(buffered_.front())));
        buffered_.pop_front();
        continue;
      }
      // Take what already arrived without waiting; wait only for the first one.
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now());
      const auto timeout =
          out.empty() ? std::clamp(left, milliseconds(0), upkeep_interval()) : milliseconds(0);
      if (!read_one(timeout) && (timeout.count() == 0 || steady::now() >= deadline)) break;
    }
  } catch (const ferry::error&) {
    lost_connection();
    throw;
  }
  return out;
}

void consumer_source::upkeep() {
  if (!conn_) return;
  try {
    for (int i = 0; i < 64 && read_one(milliseconds(0)); ++i) {
    }
  } catch (const ferry::error&) {
    lost_connection();
    throw;
  }
}

void consumer_source::shutdown() noexcept {
  if (!conn_) return;
  try {
    if (conn_->is_open() && !tag_.empty())
      s().rpc(amqp_basic_cancel(s().state(), s().channel(), as_bytes(tag_)), "basic.cancel");
  } catch (...) {
  }
  // Closing the channel returns prefetched, unsettled deliveries to the queue.
  conn_->close();
  conn_.reset();
  buffered_.clear();
}

}  // namespace ferry::amqp::detail
