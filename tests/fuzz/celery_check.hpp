// celery_check.hpp — what every Celery decoding path must give the worker: a task message
// either fails to parse with one of the documented errors, or parses to a task_request that
// survives build_message → parse_message unchanged (once the fields build_message fills in
// and the sub-microsecond digits it cannot write are accounted for).
#pragma once

#include <chrono>
#include <string>

#include <ferry/celery/protocol/task_request.hpp>
#include <ferry/core/error.hpp>

#include "fuzz_check.hpp"

namespace ferry::fuzz {

/// Whether `e` is one of the errors the Celery decoders document for bad input.
inline bool celery_input_error(const ferry::error& e) {
  return e.code() == errc::decode_error || e.code() == errc::unsupported;
}

/// Checks the property in the file comment for one task message.
inline void check_task_message(const celery::protocol::task_message& message) {
  celery::protocol::task_request r;
  try {
    r = celery::protocol::parse_message(message);
  } catch (const ferry::error& e) {
    check(celery_input_error(e), "unexpected error code from parse_message", e.what());
    return;
  }
  if (r.task.empty() || r.id.empty()) return;  // build_message refuses these (misuse)

  const auto now = std::chrono::system_clock::time_point{};
  celery::protocol::task_message built;
  try {
    built = celery::protocol::build_message(r, {.now = now});
  } catch (const std::invalid_argument& e) {
    fail("build_message refused a parsed request", e.what());
  }
  celery::protocol::task_request back;
  try {
    back = celery::protocol::parse_message(built);
  } catch (const ferry::error& e) {
    fail("parse_message refused what build_message wrote", e.what());
  }
  // What build_message fills in or cannot express.
  celery::protocol::task_request expected = r;
  expected.protocol = 2;
  if (!expected.root_id || expected.root_id->empty()) expected.root_id = expected.id;
  expected.argsrepr = built.headers["argsrepr"].get<std::string>();
  expected.kwargsrepr = built.headers["kwargsrepr"].get<std::string>();
  expected.origin = built.headers["origin"].get<std::string>();
  // format_isoformat writes microseconds, truncated as time_point_cast does.
  const auto micros = [](std::chrono::system_clock::time_point t) {
    return std::chrono::system_clock::time_point{
        std::chrono::time_point_cast<std::chrono::microseconds>(t)};
  };
  if (expected.eta) expected.eta = micros(*expected.eta);
  if (expected.expires) expected.expires = micros(*expected.expires);
  if (!(back == expected)) {
    fail("task_request changed through build_message → parse_message",
         "before: " + celery::protocol::python_json_dumps(built.headers) + "\nbody: " + built.body);
  }
}

}  // namespace ferry::fuzz
