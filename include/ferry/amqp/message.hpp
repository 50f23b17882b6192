// ferry/amqp/message.hpp — what is published and what a consumer receives.
//
// `message` is a body plus AMQP basic properties. Messages are persistent by default (delivery
// mode 2): together with a durable queue they survive a broker restart. A `delivery` is a
// received message plus the routing facts and the delivery tag the consumer acks with.
//
//   ferry::amqp::message m;
//   m.body = R"({"id":42})";
//   m.props.content_type = "application/json";
//   m.props.headers.set("origin", "web");
//
// Thread safety: value types; thread-compatible.
// Errors: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "ferry/amqp/table.hpp"

namespace ferry::amqp {

/// AMQP basic properties. Unset optionals are not sent.
struct properties {
  std::optional<std::string> content_type;      ///< e.g. "application/json"
  std::optional<std::string> content_encoding;  ///< e.g. "utf-8"
  table headers;                                ///< application headers
  bool persistent = true;                       ///< delivery mode 2 (true) or 1 (false)
  std::optional<std::uint8_t> priority;         ///< 0..9 for priority queues
  std::optional<std::string> correlation_id;
  std::optional<std::string> reply_to;
  /// Per-message TTL (sent as a decimal string of milliseconds).
  std::optional<std::chrono::milliseconds> expiration;
  std::optional<std::string> message_id;
  std::optional<std::chrono::sys_seconds> timestamp;  ///< AMQP timestamps are whole seconds
  std::optional<std::string> type;
  std::optional<std::string> user_id;  ///< RabbitMQ checks it equals the connection's user
  std::optional<std::string> app_id;
};

/// A message: bytes plus properties.
struct message {
  std::string body;
  properties props;
};

/// A message as delivered to a consumer.
struct delivery {
  message msg;
  std::uint64_t delivery_tag = 0;  ///< Channel-scoped; only valid on the delivering connection.
  bool redelivered = false;        ///< The broker delivered it before (maybe not processed).
  std::string exchange;            ///< Exchange it was published to ("" = default exchange).
  std::string routing_key;
  std::string consumer_tag;
};

}  // namespace ferry::amqp
