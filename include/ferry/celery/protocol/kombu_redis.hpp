// ferry/celery/protocol/kombu_redis.hpp — kombu's Redis transport: the JSON envelope a message
// travels in, and the key names of its lists. Pure data transforms; the Redis I/O lives elsewhere.
//
// kombu 5.2 LPUSHes one JSON text per message onto the queue's list (consumers BRPOP, so each
// list is FIFO):
//   {"body": "<base64 of the body>", "content-encoding": "utf-8",
//    "content-type": "application/json", "headers": {...task headers...},
//    "properties": {"correlation_id": ..., "reply_to": ..., "delivery_mode": 2,
//                   "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 0,
//                   "body_encoding": "base64", "delivery_tag": "<uuid4>"}}
// written with Python json.dumps defaults. to_kombu_redis_json reproduces that byte for byte
// (delivery_tag aside, which is random per message unless given).
//
//   std::string text = ferry::celery::protocol::to_kombu_redis_json(msg, "", "celery");
//   // LPUSH kombu_redis_queue_for_priority("celery", 0) text
//   ferry::celery::protocol::kombu_redis_delivery d =
//   ferry::celery::protocol::from_kombu_redis_json(text);
//
// The one thing to know: on Redis a LOWER priority number is consumed FIRST (lists
// `q`, `q\x06\x163`, `q\x06\x166`, `q\x06\x169` are polled in that order) — the opposite of
// RabbitMQ. See docs/celery.md for the unacked/visibility-timeout conventions.
//
// Thread safety: free functions on values; thread-compatible.
// Errors: from_kombu_redis_json throws ferry::error(errc::decode_error) for malformed
// envelopes and errc::unsupported for a body_encoding other than base64 (or none).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/celery/protocol/task_message.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::protocol {

/// kombu's default separator inside Redis key names and binding members: bytes 0x06 0x16.
inline constexpr std::string_view kombu_redis_sep = "\x06\x16";

/// A message read from a kombu Redis list, with the transport's delivery fields.
struct kombu_redis_delivery {
  task_message message{};
  /// properties.delivery_info.exchange ("" for Celery's default publish).
  std::string exchange{};
  /// properties.delivery_info.routing_key (the queue name for the default exchange).
  std::string routing_key{};
  /// properties.delivery_tag: the key of this delivery in the `unacked` hash.
  std::string delivery_tag{};
  /// True when kombu restored the message after a crash/reject (delivery_info.redelivered).
  bool redelivered = false;
};

/// The envelope text kombu 5.2 LPUSHes for `message`. `delivery_tag` nullopt = fresh uuid4.
/// The body is always base64-encoded (`body_encoding: "base64"`), as kombu does.
[[nodiscard]] FERRY_API std::string to_kombu_redis_json(
    const task_message& message, std::string_view exchange, std::string_view routing_key,
    std::optional<std::string> delivery_tag = {});

/// Reads an envelope (as popped from the list or stored in the `unacked` hash's first element).
/// A body without `body_encoding` is taken as literal text, as kombu 5.2 does.
[[nodiscard]] FERRY_API kombu_redis_delivery from_kombu_redis_json(std::string_view text);

/// One entry of kombu's `unacked` hash (field = delivery tag): `[envelope, exchange, rk]`.
struct kombu_redis_unacked_entry {
  /// The envelope text as it was popped (re-serialised by Python: same bytes).
  std::string envelope{};
  std::string exchange{};
  std::string routing_key{};
};

/// The `unacked` hash value kombu HSETs on delivery: `[<envelope>, "<exchange>", "<rk>"]`.
/// `envelope` must be the JSON text of an envelope (as popped from the list).
[[nodiscard]] FERRY_API std::string kombu_redis_unacked_value(std::string_view envelope,
                                                              std::string_view exchange,
                                                              std::string_view routing_key);

/// Reads an `unacked` hash value; throws errc::decode_error when it is not that shape.
[[nodiscard]] FERRY_API kombu_redis_unacked_entry
parse_kombu_redis_unacked_value(std::string_view text);

/// The envelope kombu pushes back when it restores an unacked message (visibility timeout,
/// reject with requeue, shutdown): `"redelivered": true` added to `headers` and to
/// `properties.delivery_info`. Throws errc::decode_error for invalid envelopes.
[[nodiscard]] FERRY_API std::string kombu_redis_mark_redelivered(std::string_view envelope);

/// The list a message of `priority` goes to: priority clamped to 0..9, mapped down to the
/// step 0/3/6/9; step 0 is `queue` itself, the others `queue + "\x06\x16" + digit`.
[[nodiscard]] FERRY_API std::string kombu_redis_queue_for_priority(std::string_view queue,
                                                                   int priority);

/// The four lists of `queue` in the order kombu polls them (BRPOP argument order).
[[nodiscard]] FERRY_API std::array<std::string, 4> kombu_redis_priority_queues(
    std::string_view queue);

/// `_kombu.binding.<exchange>`: the set of bindings of an exchange.
[[nodiscard]] FERRY_API std::string kombu_redis_binding_key(std::string_view exchange);

/// A member of the binding set: `routing_key \x06\x16 pattern \x06\x16 queue`.
[[nodiscard]] FERRY_API std::string kombu_redis_binding_member(std::string_view routing_key,
                                                               std::string_view pattern,
                                                               std::string_view queue);

/// Standard base64 with padding (what kombu's body_encoding "base64" uses).
[[nodiscard]] FERRY_API std::string base64_encode(std::string_view bytes);

/// Decodes standard base64 (padding optional, no whitespace); throws errc::decode_error.
[[nodiscard]] FERRY_API std::string base64_decode(std::string_view text);

}  // namespace ferry::celery::protocol
