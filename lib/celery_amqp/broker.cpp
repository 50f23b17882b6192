// Celery 5.2.6 / kombu 5.2.4 on RabbitMQ (see amqp_broker.hpp): the declarations are those of
// kombu's Queue(q, Exchange(q), routing_key=q).declare(); the publish is Celery's
// amqp.send_task_message (exchange "", routing key = queue).
#include "ferry/celery/amqp/broker.hpp"

#include <charconv>
#include <mutex>
#include <set>
#include <stdexcept>

#include "ferry/amqp/basic_consumer.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/celery/amqp/message.hpp"
#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/url.hpp"

namespace ferry::celery::amqp {
namespace {

constexpr std::size_t max_error_header = 1000;  // well below the frame size

ferry::amqp::topology celery_queue_topology(std::string_view queue,
                                            const std::optional<std::uint8_t>& max_priority) {
  ferry::amqp::topology t;
  ferry::amqp::exchange_spec& ex = t.exchanges.emplace_back();
  ex.name = std::string(queue);
  ferry::amqp::queue_spec& q = t.queues.emplace_back();
  q.name = std::string(queue);
  if (max_priority) q.arguments.set("x-max-priority", static_cast<std::int32_t>(*max_priority));
  ferry::amqp::binding_spec& b = t.bindings.emplace_back();
  b.queue = b.exchange = b.routing_key = std::string(queue);
  return t;
}

// Delivery tags are "<connection generation>:<AMQP delivery tag>".
std::optional<std::pair<std::uint64_t, std::uint64_t>> split_tag(std::string_view tag) {
  const auto colon = tag.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::uint64_t gen = 0, t = 0;
  const char* b = tag.data();
  if (std::from_chars(b, b + colon, gen).ec != std::errc{}) return std::nullopt;
  if (std::from_chars(b + colon + 1, b + tag.size(), t).ec != std::errc{}) return std::nullopt;
  return std::pair{gen, t};
}

}  // namespace

struct broker::impl {
  ferry::amqp::url address;
  transport_options opts;

  std::mutex pub_mu;  // the publisher and its declared set
  std::unique_ptr<ferry::amqp::publisher> pub;
  std::set<std::string, std::less<>> declared;

  mutable std::mutex con_mu;  // the consumer pointer and generation (ack from any thread)
  std::unique_ptr<ferry::amqp::basic_consumer> con;
  std::uint64_t generation = 0;
  std::vector<std::string> consumed;
  std::size_t prefetch = 4;

  void declare_locked(std::string_view queue) {
    if (!opts.declare || declared.contains(queue)) return;
    celery_queue_topology(queue, opts.max_priority).declare(pub->conn());
    declared.emplace(queue);
  }
  void declare_dlq_locked(const std::string& name) {
    if (declared.contains(name)) return;
    ferry::amqp::queue_spec q;
    q.name = name;
    ferry::amqp::declare_queue(pub->conn(), q);
    declared.emplace(name);
  }
};

broker::broker(std::string_view url, transport_options options)
    : broker(ferry::amqp::url::parse(url), std::move(options)) {}

broker::broker(const ferry::amqp::url& url, transport_options options)
    : p_(std::make_unique<impl>()) {
  p_->address = url;
  p_->opts = std::move(options);
  ferry::amqp::publisher_options po;
  po.confirm_timeout = p_->opts.confirm_timeout;
  p_->pub = std::make_unique<ferry::amqp::publisher>(url, std::move(po));
}

broker::~broker() = default;

const transport_options& broker::options() const noexcept {
  return p_->opts;
}

void broker::declare_queue(std::string_view queue) {
  std::lock_guard lk(p_->pub_mu);
  p_->declare_locked(queue);
}

void broker::publish(const task_message& message, std::string_view queue, int priority) {
  if (queue.empty()) throw std::invalid_argument("celery::amqp::broker::publish: empty queue");
  ferry::amqp::message m = to_amqp_message(message);
  m.props.priority = static_cast<std::uint8_t>(std::clamp(priority, 0, 255));
  std::lock_guard lk(p_->pub_mu);
  p_->declare_locked(queue);
  if (p_->opts.wait_for_confirm) {
    p_->pub->publish("", queue, m);
  } else {
    p_->pub->publish_async("", queue, m);
    p_->pub->check_confirms();  // failures of earlier messages surface here
  }
}

void broker::wait_confirms() {
  std::lock_guard lk(p_->pub_mu);
  p_->pub->wait_confirms();
}

void broker::publish_many(std::span<const outgoing_message> messages) {
  std::vector<ferry::amqp::message> ms;
  ms.reserve(messages.size());
  for (const auto& o : messages) {
    if (!o.message) throw std::invalid_argument("celery::amqp::broker::publish_many: null message");
    if (o.queue.empty())
      throw std::invalid_argument("celery::amqp::broker::publish_many: empty queue");
    ms.push_back(to_amqp_message(*o.message));
    ms.back().props.priority = static_cast<std::uint8_t>(std::clamp(o.priority, 0, 255));
  }
  // Confirmed like publish(), but pipelined: every message goes out before the confirms are
  // awaited (the publisher's window bounds how many are unconfirmed at once).
  std::lock_guard lk(p_->pub_mu);
  for (std::size_t i = 0; i < ms.size(); ++i) {
    p_->declare_locked(messages[i].queue);
    p_->pub->publish_async("", messages[i].queue, ms[i]);
  }
  p_->pub->wait_confirms();
}

std::optional<broker_delivery> broker::fetch(const std::vector<std::string>& queues,
                                             std::chrono::milliseconds wait) {
  if (queues.empty()) throw std::invalid_argument("celery::amqp::broker::fetch: no queues");
  impl& p = *p_;
  if (!p.con || !p.con->is_open() || p.consumed != queues) {
    std::unique_ptr<ferry::amqp::basic_consumer> old;
    {
      std::lock_guard lk(p.con_mu);
      old = std::move(p.con);
      ++p.generation;
    }
    old.reset();  // closing requeues what it still had unacked
    ferry::amqp::basic_consumer_options o;
    o.queues = queues;
    o.prefetch = static_cast<std::uint16_t>(std::min<std::size_t>(p.prefetch, 65535));
    // Celery limits the channel as a whole (global basic.qos) so that its prefetch spans every
    // queue it consumes. For one queue a per-consumer limit is the same limit, and RabbitMQ
    // enforces it without the channel-wide accounting: 10-36% less broker CPU per task in A/B runs
    // (ferry-bench-celery --server-pid), so it is used there.
    o.global_qos = queues.size() > 1;
    if (p.opts.declare)
      for (const auto& q : queues) {
        auto t = celery_queue_topology(q, p.opts.max_priority);
        o.declare.exchanges.push_back(t.exchanges[0]);
        o.declare.queues.push_back(t.queues[0]);
        o.declare.bindings.push_back(t.bindings[0]);
      }
    auto c = std::make_unique<ferry::amqp::basic_consumer>(p.address, std::move(o));
    std::lock_guard lk(p.con_mu);
    p.con = std::move(c);
    p.consumed = queues;
  }
  std::optional<ferry::amqp::delivery> d;
  try {
    d = p.con->next(wait);
  } catch (const error& e) {
    // The connection is gone (the broker requeues what was unacked): a new one next time.
    std::lock_guard lk(p.con_mu);
    p.con.reset();
    ++p.generation;
    throw;
  }
  if (!d) return std::nullopt;
  broker_delivery out;
  // Celery publishes to the default exchange, so the routing key is the queue; for a message
  // routed through exchange `q`, it is the binding key, which is the queue name as well.
  out.routing_key = d->routing_key;
  out.queue = d->routing_key;
  if (std::find(queues.begin(), queues.end(), out.queue) == queues.end())
    out.queue = queues.size() == 1 ? queues.front() : d->routing_key;
  {
    std::lock_guard lk(p.con_mu);
    out.delivery_tag = std::to_string(p.generation) + ":" + std::to_string(d->delivery_tag);
  }
  out.redelivered = d->redelivered;
  out.message = from_amqp_message(d->msg);
  out.raw = std::move(d->msg.body);  // read: no longer needed in `d`
  return out;
}

std::vector<broker_delivery> broker::fetch_many(const std::vector<std::string>& queues,
                                                std::size_t max, std::chrono::milliseconds wait,
                                                std::span<const std::string> ack_first) {
  ack_many(ack_first);
  std::vector<broker_delivery> out;
  auto d = fetch(queues, wait);
  if (!d) return out;
  out.push_back(std::move(*d));
  // What RabbitMQ has already pushed (within basic.qos) is taken without waiting.
  while (out.size() < max) {
    d = fetch(queues, std::chrono::milliseconds(0));
    if (!d) break;
    out.push_back(std::move(*d));
  }
  return out;
}

void broker::ack(std::string_view delivery_tag) {
  auto t = split_tag(delivery_tag);
  if (!t) throw std::invalid_argument("celery::amqp::broker::ack: not a delivery tag");
  std::lock_guard lk(p_->con_mu);
  if (p_->con && t->first == p_->generation) p_->con->ack(t->second);
}

void broker::requeue(std::string_view delivery_tag) {
  auto t = split_tag(delivery_tag);
  if (!t) throw std::invalid_argument("celery::amqp::broker::requeue: not a delivery tag");
  std::lock_guard lk(p_->con_mu);
  if (p_->con && t->first == p_->generation) p_->con->reject(t->second, true);
}

bool broker::valid(std::string_view delivery_tag) const {
  auto t = split_tag(delivery_tag);
  std::lock_guard lk(p_->con_mu);
  return t && p_->con && t->first == p_->generation;
}

void broker::dead_letter(const broker_delivery& d, std::string_view err, std::string_view suffix) {
  ferry::amqp::message m;
  if (d.message) {
    m = to_amqp_message(*d.message);
  } else {
    m.body = d.raw;
  }
  std::string e{err.substr(0, max_error_header)};
  m.props.headers.set("x-ferry-error", e);
  m.props.headers.set("x-ferry-queue", d.queue);
  const auto now = std::chrono::system_clock::now();
  m.props.headers.set("x-ferry-time", protocol::format_isoformat(now));
  // The same failure headers as the AMQP consumer's dead letters, so one dead-letter store
  // (amqp::dlq_store, source "celery-amqp") reads both: times for trim, the task id as the id.
  const ferry::amqp::timestamp when{std::chrono::time_point_cast<std::chrono::seconds>(now)};
  if (!m.props.headers.contains("x-ferry-first-failure"))
    m.props.headers.set("x-ferry-first-failure", when);
  m.props.headers.set("x-ferry-last-failure", when);
  if (!m.props.message_id && m.props.correlation_id) m.props.message_id = m.props.correlation_id;
  m.props.persistent = true;
  m.props.expiration.reset();  // a dead letter must not expire
  const std::string dlq = d.queue + std::string(suffix);
  std::lock_guard lk(p_->pub_mu);
  p_->declare_dlq_locked(dlq);
  p_->pub->publish("", dlq, m);
}

void broker::set_prefetch(std::size_t count) {
  std::lock_guard lk(p_->con_mu);
  p_->prefetch = count;
  if (p_->con)
    p_->con->set_prefetch(static_cast<std::uint16_t>(std::min<std::size_t>(count, 65535)));
}

void broker::flush() {
  if (p_->con && p_->con->is_open()) p_->con->flush();
}

std::size_t broker::size(std::string_view queue) {
  std::lock_guard lk(p_->pub_mu);
  auto info = ferry::amqp::inspect_queue(p_->pub->conn(), queue);
  return info ? info->message_count : 0;
}

void broker::remove_queue(std::string_view queue) {
  std::lock_guard lk(p_->pub_mu);
  const std::string q{queue};
  (void)ferry::amqp::delete_queue(p_->pub->conn(), q);
  (void)ferry::amqp::delete_queue(p_->pub->conn(), q + ".dlq");
  ferry::amqp::delete_exchange(p_->pub->conn(), q);
  p_->declared.erase(q);
  p_->declared.erase(q + ".dlq");
}

}  // namespace ferry::celery::amqp
