#include "ferry/amqp/basic_get.hpp"

#include <string>

#include "amqp/detail/c_types.hpp"
#include "amqp/detail/session.hpp"

namespace ferry::amqp {

std::optional<delivery> get(connection& c, std::string_view queue) {
  auto& s = c.session_();
  amqp_connection_state_t st = s.state();
  const std::string what = "basic.get '" + std::string(queue) + "'";
  const amqp_rpc_reply_t r = amqp_basic_get(st, s.channel(), detail::as_bytes(queue), 0);
  s.check(r, what);
  if (r.reply.id != AMQP_BASIC_GET_OK_METHOD) return std::nullopt;  // basic.get-empty
  // Copy the method's fields first: reading the content reuses the decoding pool.
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(r.reply.decoded);
  delivery d;
  d.delivery_tag = ok->delivery_tag;
  d.redelivered = ok->redelivered != 0;
  d.exchange = detail::to_string(ok->exchange);
  d.routing_key = detail::to_string(ok->routing_key);
  s.read_message(s.channel(), d.msg, "reading the message of " + what);
  return d;
}

void ack(connection& c, std::uint64_t tag, bool multiple) {
  auto& s = c.session_();
  s.check_status(amqp_basic_ack(s.state(), s.channel(), tag, multiple ? 1 : 0), "basic.ack");
}

void nack(connection& c, std::uint64_t tag, nack_options options) {
  auto& s = c.session_();
  s.check_status(amqp_basic_nack(s.state(), s.channel(), tag, options.multiple ? 1 : 0,
                                 options.requeue ? 1 : 0),
                 "basic.nack");
}

}  // namespace ferry::amqp
