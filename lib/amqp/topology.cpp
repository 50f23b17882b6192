#include "ferry/amqp/topology.hpp"

#include <stdexcept>
#include "amqp/detail/c_types.hpp"
#include "amqp/detail/session.hpp"

#include "ferry/core/error.hpp"

namespace ferry::amqp {
namespace {

const char* type_name(exchange_type t) {
  switch (t) {
    case exchange_type::direct: return "direct";
    case exchange_type::topic: return "topic";
    case exchange_type::fanout: return "fanout";
    case exchange_type::headers: return "headers";
  }
  return "direct";
}

const char* overflow_name(overflow_mode o) {
  switch (o) {
    case overflow_mode::drop_head: return "drop-head";
    case overflow_mode::reject_publish: return "reject-publish";
    case overflow_mode::reject_publish_dlx: return "reject-publish-dlx";
  }
  return "drop-head";
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace

table queue_spec::build_arguments() const {
  table t = arguments;
  if (type) t.set("x-queue-type", *type == queue_type::quorum ? "quorum" : "classic");
  if (dead_letter_exchange) t.set("x-dead-letter-exchange", *dead_letter_exchange);
  if (dead_letter_routing_key) t.set("x-dead-letter-routing-key", *dead_letter_routing_key);
  // RabbitMQ requires x-message-ttl / x-max-length to be integers; long ('l') is accepted.
  if (message_ttl) t.set("x-message-ttl", static_cast<std::int64_t>(message_ttl->count()));
  if (max_length) t.set("x-max-length", *max_length);
  if (overflow) t.set("x-overflow", overflow_name(*overflow));
  return t;
}

void topology::declare(connection& c) const {
  for (const auto& e : exchanges) declare_exchange(c, e);
  for (const auto& q : queues) declare_queue(c, q);
  for (const auto& b : bindings) bind_queue(c, b);
}

void declare_exchange(connection& c, const exchange_spec& spec) {
  if (spec.name.empty()) throw std::invalid_argument("declare_exchange: empty name");
  detail::session& s = c.session_();
  detail::arena a;
  auto* st = s.state();
  s.rpc(amqp_exchange_declare(st, s.channel(), detail::as_bytes(spec.name),
                              amqp_cstring_bytes(type_name(spec.type)), 0, spec.durable ? 1 : 0,
                              spec.auto_delete ? 1 : 0, spec.internal ? 1 : 0,
                              detail::to_c(spec.arguments, a)),
        "exchange.declare " + quoted(spec.name));
}

std::string declare_queue(connection& c, const queue_spec& spec) {
  detail::session& s = c.session_();
  const table args = spec.build_arguments();
  detail::arena a;
  auto* st = s.state();
  auto* ok = s.rpc(
      amqp_queue_declare(st, s.channel(), detail::as_bytes(spec.name), 0, spec.durable ? 1 : 0,
                         spec.exclusive ? 1 : 0, spec.auto_delete ? 1 : 0, detail::to_c(args, a)),
      "queue.declare " + quoted(spec.name));
  return detail::to_string(ok->queue);
}

void bind_queue(connection& c, const binding_spec& spec) {
  detail::session& s = c.session_();
  detail::arena a;
  auto* st = s.state();
  s.rpc(amqp_queue_bind(st, s.channel(), detail::as_bytes(spec.queue),
                        detail::as_bytes(spec.exchange), detail::as_bytes(spec.routing_key),
                        detail::to_c(spec.arguments, a)),
        "queue.bind " + quoted(spec.queue) + " to " + quoted(spec.exchange));
}

void unbind_queue(connection& c, const binding_spec& spec) {
  detail::session& s = c.session_();
  detail::arena a;
  auto* st = s.state();
  s.rpc(amqp_queue_unbind(st, s.channel(), detail::as_bytes(spec.queue),
                          detail::as_bytes(spec.exchange), detail::as_bytes(spec.routing_key),
                          detail::to_c(spec.arguments, a)),
        "queue.unbind " + quoted(spec.queue));
}

std::optional<queue_info> inspect_queue(connection& c, std::string_view queue) {
  detail::session& s = c.session_();
  auto* st = s.state();
  try {
    auto* ok = s.rpc(
        amqp_queue_declare(st, s.channel(), detail::as_bytes(queue), 1, 0, 0, 0, amqp_empty_table),
        "queue.declare(passive) " + quoted(queue));
    return queue_info{ok->message_count, ok->consumer_count};
  } catch (const ferry::error& e) {
    if (e.kind() == errc::not_found) return std::nullopt;  // the channel reopens on next use
    throw;
  }
}

std::uint32_t purge_queue(connection& c, std::string_view queue) {
  detail::session& s = c.session_();
  auto* st = s.state();
  auto* ok = s.rpc(amqp_queue_purge(st, s.channel(), detail::as_bytes(queue)),
                   "queue.purge " + quoted(queue));
  return ok->message_count;
}

std::uint32_t delete_queue(connection& c, std::string_view queue) {
  detail::session& s = c.session_();
  auto* st = s.state();
  auto* ok = s.rpc(amqp_queue_delete(st, s.channel(), detail::as_bytes(queue), 0, 0),
                   "queue.delete " + quoted(queue));
  return ok->message_count;
}

void delete_exchange(connection& c, std::string_view exchange) {
  detail::session& s = c.session_();
  auto* st = s.state();
  s.rpc(amqp_exchange_delete(st, s.channel(), detail::as_bytes(exchange), 0),
        "exchange.delete " + quoted(exchange));
}

}  // namespace ferry::amqp
