// ferry/amqp/basic_get.hpp — pull one message at a time (basic.get) and settle it by hand.
//
// For admin tools and inspection, not for workers: a consumer (consumer.hpp) is pushed
// messages and is far cheaper per message. get() asks the broker for the head of a queue
// without auto-ack; the message stays unacked on the connection's channel until ack() or
// nack(), or until the connection closes (then the broker requeues it). Delivery tags belong
// to the channel: settle a message on the connection that got it.
//
//   ferry::amqp::connection c(url);
//   while (auto d = ferry::amqp::get(c, "jobs.dlq")) inspect(*d);   // all now unacked
//   ferry::amqp::nack(c, 0, {.multiple = true, .requeue = true});   // give them all back
//
// The behaviour a reader would otherwise get wrong: a requeued message comes back marked
// `redelivered`, and on quorum queues (and classic ones when others were published meanwhile)
// it may no longer be where it was.
//
// Thread safety: like the connection (one per thread).
// Errors: ferry::error — not_found (no such queue; the channel is reopened on the next call)
// and the connection errors of connection.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/message.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

/// How nack() settles.
struct nack_options {
  /// Also every earlier unsettled tag on the channel (tag 0 + multiple = all of them).
  bool multiple = false;
  /// Back into the queue (true) or dropped / dead-lettered by the queue's DLX (false).
  bool requeue = true;
};

/// basic.get without auto-ack: the head of `queue`, or nullopt when it is empty. One round trip.
[[nodiscard]] FERRY_API std::optional<delivery> get(connection& c, std::string_view queue);
/// basic.ack of `tag` (with `multiple`, also every earlier unsettled tag).
FERRY_API void ack(connection& c, std::uint64_t tag, bool multiple = false);
/// basic.nack of `tag`; see nack_options.
FERRY_API void nack(connection& c, std::uint64_t tag, nack_options options = {});

}  // namespace ferry::amqp
