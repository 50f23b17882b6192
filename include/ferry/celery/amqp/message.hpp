// ferry/celery/amqp/message.hpp — a Celery task_message as an AMQP message and back, with the
// header types py-amqp (Celery's RabbitMQ client) writes and reads.
//
// Headers become an AMQP field table using only the tags py-amqp writes: string 'S', null 'V',
// bool 't', int 'I' (32-bit) or 'L' (64-bit, which rabbitmq-c calls unsigned but py-amqp reads
// as signed: ferry writes the same bits), float 'd', list 'A', object 'F'. Properties map one to
// one (delivery_mode 2 = persistent, `expiration` milliseconds); `extra` properties have no
// AMQP slot and are dropped, as py-amqp drops them.
//
// The one behaviour a reader would get wrong: reading is lenient (any AMQP type becomes JSON:
// decimals and floats a number, timestamps whole seconds, raw bytes a string), so every
// delivery converts; whether it is a valid task is parse_message()'s job.
//
//   ferry::amqp::message m = ferry::celery::amqp::to_amqp_message(build_message(request));
//   ferry::celery::task_message back = ferry::celery::amqp::from_amqp_message(m);
//
// Thread safety: pure functions. Errors: none (see above).
#pragma once

#include "ferry/amqp/message.hpp"
#include "ferry/amqp/table.hpp"
#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::amqp {

/// The AMQP field table py-amqp would write for the JSON object `headers`.
[[nodiscard]] FERRY_API ferry::amqp::table to_amqp_table(const json& headers);
/// An AMQP field table as a JSON object (lenient, see the file comment).
[[nodiscard]] FERRY_API json from_amqp_table(const ferry::amqp::table& headers);

/// Properties, headers and body as py-amqp publishes them.
[[nodiscard]] FERRY_API ferry::amqp::message to_amqp_message(const task_message& message);
/// The task_message of a received AMQP message.
[[nodiscard]] FERRY_API task_message from_amqp_message(const ferry::amqp::message& message);

}  // namespace ferry::celery::amqp
