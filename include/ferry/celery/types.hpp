// ferry/celery/types.hpp — the protocol vocabulary the Celery runtime's API speaks, named in
// ferry::celery.
//
// The values themselves (JSON, messages, requests, result metas, signatures) belong to the
// pure protocol component, ferry::celery_protocol (namespace ferry::celery::protocol). The
// worker, client, brokers and backends take and return them; these declarations let runtime
// code write `ferry::celery::json` and `ferry::celery::task_result` without the `protocol::`.
// The functions of the protocol (build_message, parse_message, ...) keep their
// `protocol::` name: only the types are brought in.
//
//   ferry::celery::json args = {2, 3};   // same type as ferry::celery::protocol::json
//
// Thread safety: declarations only.
// Errors: none.
#pragma once

#include "ferry/celery/protocol/json.hpp"
#include "ferry/celery/protocol/signature.hpp"
#include "ferry/celery/protocol/task_message.hpp"
#include "ferry/celery/protocol/task_request.hpp"
#include "ferry/celery/protocol/task_result.hpp"

namespace ferry::celery {

using protocol::build_options;
using protocol::exception_info;
using protocol::json;
using protocol::message_properties;
using protocol::parse_options;
using protocol::signature;
using protocol::task_message;
using protocol::task_request;
using protocol::task_result;
namespace states = protocol::states;

}  // namespace ferry::celery
