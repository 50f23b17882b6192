// ferry/celery/protocol/task_message.hpp — a Celery message as any broker carries it: properties,
// headers, body bytes.
//
// This is the broker-neutral unit between the pure protocol code (build_message /
// parse_message, task_request.hpp) and the transports: the AMQP transport maps
// `properties` to AMQP basic properties and `headers` to the field table (py-amqp's types
// `S t I L d V A F`); the Redis transport wraps the message in kombu's JSON envelope
// (kombu_redis.hpp). Nothing here does I/O.
//
//   ferry::celery::protocol::task_message m = ferry::celery::protocol::build_message(request);
//   m.headers["task"];           // "tasks.add"
//   m.properties.correlation_id; // the task id
//
// The one thing to know: a missing `content_type` is not the same as JSON — Celery 5.2.6
// workers crash on such a message — so it is an optional, and build_message always sets it.
//
// Thread safety: value types; thread-compatible.
// Errors: none (plain data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ferry/celery/protocol/json.hpp"

namespace ferry::celery::protocol {

/// The AMQP basic properties Celery uses (on Redis: the envelope's `properties`, with the
/// transport's own `delivery_info`, `delivery_tag` and `body_encoding` kept apart).
struct message_properties {
  /// MIME type of the body; ferry reads and writes only "application/json".
  std::optional<std::string> content_type = "application/json";
  /// Character set of the body; "utf-8".
  std::optional<std::string> content_encoding = "utf-8";
  /// Celery sets the task id (used by the rpc:// result backend only).
  std::optional<std::string> correlation_id{};
  /// Celery sets the client's "oid" (rpc:// backend only); "" when there is none.
  std::optional<std::string> reply_to{};
  /// 2 = persistent (Celery's default), 1 = transient.
  std::optional<std::uint8_t> delivery_mode = 2;
  /// 0..9; always present in Celery messages. NOTE: on Redis 0 is consumed first, on RabbitMQ
  /// 9 is (only with x-max-priority).
  std::optional<std::uint8_t> priority = 0;
  /// Per-message TTL in milliseconds as decimal text (set when `expires` is); RabbitMQ drops
  /// the message when it passes, kombu's Redis transport ignores it.
  std::optional<std::string> expiration{};
  /// Any other property in order, e.g. `replaced_task_nesting` and `origin`, which Celery 5.2
  /// leaks into Redis retry envelopes. AMQP has no room for them.
  json extra = json::object();

  friend bool operator==(const message_properties&, const message_properties&) = default;
};

/// One message: properties, headers (an object; for protocol 2 every task header), body bytes.
struct task_message {
  message_properties properties{};
  /// The AMQP headers table as JSON, in Celery's key order. Empty for protocol 1.
  json headers = json::object();
  /// The serialized body (UTF-8 JSON text for application/json).
  std::string body{};

  friend bool operator==(const task_message&, const task_message&) = default;
};

}  // namespace ferry::celery::protocol
