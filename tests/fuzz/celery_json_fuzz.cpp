// Fuzz target: the JSON every Celery path starts with (ferry::celery::protocol::parse_json),
// Python's json.dumps / repr / Celery's saferepr of what was read, and the result meta a worker
// stores (task_result::from_json, read back by clients).
//
// Properties: parse_json throws only decode_error; python_json_dumps of a parsed value parses
// back to an equal value and is a fixed point (dumps(parse(dumps(v))) == dumps(v)) and pure
// ASCII (ensure_ascii); python_repr and celery_saferepr accept every parsed value and produce
// valid UTF-8; a result meta read from JSON survives to_json → from_json (date_done at
// microsecond precision).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/celery/protocol/json.hpp>
#include <ferry/celery/protocol/python_repr.hpp>
#include <ferry/celery/protocol/task_result.hpp>
#include <ferry/core/error.hpp>

#include "celery_check.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ferry::celery::protocol;
using ferry::fuzz::check;
using ferry::fuzz::fail;

void check_value(const json& v) {
  std::string text;
  try {
    text = python_json_dumps(v);
  } catch (const std::exception& e) {
    fail("python_json_dumps refused a parsed value", e.what());
  }
  for (const char c : text) {
    check(static_cast<unsigned char>(c) < 0x80, "python_json_dumps wrote non-ASCII", text);
  }
  json back;
  try {
    back = parse_json(text, "fuzz");
  } catch (const ferry::error& e) {
    fail("parse_json refused what python_json_dumps wrote", std::string(e.what()) + "\n" + text);
  }
  check(python_json_dumps(back) == text, "python_json_dumps is not a fixed point", text);
  // NaN never compares equal; the text comparison above covers it.
  if (text.find("NaN") == std::string::npos) check(back == v, "JSON round trip", text);

  const std::string repr = python_repr(v, v.is_array());
  check(ferry::fuzz::valid_utf8(repr), "python_repr wrote invalid UTF-8", repr);
  const std::string safe = celery_saferepr(v, {.top_level_tuple = v.is_array()});
  check(ferry::fuzz::valid_utf8(safe), "celery_saferepr wrote invalid UTF-8", safe);
}

void check_result_meta(std::string_view text) {
  task_result r;
  try {
    r = task_result::from_json(text);
  } catch (const ferry::error& e) {
    check(ferry::fuzz::celery_input_error(e), "unexpected error code from a result meta", e.what());
    return;
  }
  std::string again;
  try {
    again = r.to_json();
  } catch (const std::exception& e) {
    fail("task_result::to_json refused a result it read", e.what());
  }
  task_result back;
  try {
    back = task_result::from_json(again);
  } catch (const ferry::error& e) {
    fail("a result meta ferry wrote does not read back", std::string(e.what()) + "\n" + again);
  }
  task_result expected = r;
  if (expected.date_done) {
    expected.date_done = std::chrono::system_clock::time_point{
        std::chrono::time_point_cast<std::chrono::microseconds>(*expected.date_done)};
  }
  if (again.find("NaN") == std::string::npos) {
    check(back == expected, "result meta changed through to_json → from_json", again);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json v;
  try {
    v = parse_json(text, "fuzz", {.max_depth = 64});
  } catch (const ferry::error& e) {
    check(e.code() == ferry::errc::decode_error, "unexpected error code from parse_json", e.what());
    return 0;
  }
  check_value(v);
  check_result_meta(text);
  return 0;
}
