// ferry/amqp/topology.hpp — declaring exchanges, queues and bindings; inspecting queues.
//
// Declarations are idempotent: declaring what exists with the same settings is a no-op, with
// different settings the broker answers 406 PRECONDITION_FAILED (errc::server_error) and ferry
// reopens the channel. Durable is the default everywhere: things survive a broker restart.
// `topology` bundles declarations so a consumer/publisher can re-apply them after reconnecting.
//
//   ferry::amqp::connection c(url);
//   ferry::amqp::queue_spec q;
//   q.name = "email_processing";
//   q.type = ferry::amqp::queue_type::quorum;
//   ferry::amqp::declare_queue(c, q);
//   if (auto info = ferry::amqp::inspect_queue(c, q.name)) log(info->message_count);
//
// Thread safety: the functions use the given connection (one per thread); specs are values.
// Errors: ferry::error — server_error (406 mismatched arguments), not_found (404), and the
// connection errors of connection.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/table.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

enum class exchange_type { direct, topic, fanout, headers };

/// An exchange to declare.
struct exchange_spec {
  std::string name;
  exchange_type type = exchange_type::direct;
  bool durable = true;
  bool auto_delete = false;
  bool internal = false;
  table arguments;  ///< e.g. alternate-exchange
};

/// x-queue-type: classic, or quorum (replicated, always durable, no exclusive/auto-delete).
enum class queue_type { classic, quorum };

/// x-overflow: what happens when x-max-length is reached.
enum class overflow_mode { drop_head, reject_publish, reject_publish_dlx };

/// A queue to declare; the typed fields become x-arguments (see build_arguments()).
struct FERRY_API queue_spec {
  std::string name;  ///< empty = server-named (returned by declare_queue)
  bool durable = true;
  bool exclusive = false;
  bool auto_delete = false;
  std::optional<queue_type> type;                        ///< x-queue-type
  std::optional<std::string> dead_letter_exchange;       ///< x-dead-letter-exchange ("" = default)
  std::optional<std::string> dead_letter_routing_key;    ///< x-dead-letter-routing-key
  std::optional<std::chrono::milliseconds> message_ttl;  ///< x-message-ttl
  std::optional<std::int64_t> max_length;                ///< x-max-length (messages)
  std::optional<overflow_mode> overflow;                 ///< x-overflow
  table arguments;  ///< any other x-arguments; the typed fields above take precedence

  /// The queue.declare arguments table built from the fields above.
  [[nodiscard]] table build_arguments() const;
};

/// A queue-to-exchange binding.
struct binding_spec {
  std::string queue;
  std::string exchange;
  std::string routing_key;
  table arguments;
};

/// Counts reported by a passive declare.
struct queue_info {
  std::uint32_t message_count = 0;  ///< ready messages (not counting unacked ones)
  std::uint32_t consumer_count = 0;
};

/// Declarations applied in order: exchanges, queues, bindings.
struct FERRY_API topology {
  std::vector<exchange_spec> exchanges;
  std::vector<queue_spec> queues;
  std::vector<binding_spec> bindings;

  void declare(connection& c) const;
};

FERRY_API void declare_exchange(connection& c, const exchange_spec& spec);
/// Returns the queue's name (the server-chosen one if spec.name is empty). One round trip.
FERRY_API std::string declare_queue(connection& c, const queue_spec& spec);
FERRY_API void bind_queue(connection& c, const binding_spec& spec);
FERRY_API void unbind_queue(connection& c, const binding_spec& spec);
/// Passive declare: nullopt if the queue does not exist. One round trip.
[[nodiscard]] FERRY_API std::optional<queue_info> inspect_queue(connection& c,
                                                                std::string_view queue);
/// Removes all ready messages; returns how many.
FERRY_API std::uint32_t purge_queue(connection& c, std::string_view queue);
/// Deletes the queue (no error if absent); returns how many messages it held.
FERRY_API std::uint32_t delete_queue(connection& c, std::string_view queue);
/// Deletes the exchange (no error if absent).
FERRY_API void delete_exchange(connection& c, std::string_view exchange);

}  // namespace ferry::amqp
