#include "ferry/celery/protocol/signature.hpp"

#include "ferry/core/error.hpp"

namespace ferry::celery::protocol {
namespace {

[[noreturn]] void bad(const std::string& why) {
  throw error(errc::decode_error, "invalid Celery signature: " + why);
}

}  // namespace

json signature::to_json() const {
  json j = json::object();
  j["task"] = task;
  j["args"] = args;
  j["kwargs"] = kwargs;
  j["options"] = options;
  j["subtask_type"] = subtask_type ? json(*subtask_type) : json(nullptr);
  j["immutable"] = immutable;
  for (const auto& [key, value] : extra.items()) j[key] = value;
  return j;
}

signature signature::from_json(const json& j) {
  if (!j.is_object()) bad(std::string("expected an object, got ") + j.type_name());
  signature s;
  for (const auto& [key, value] : j.items()) {
    if (key == "task") {
      if (!value.is_string()) bad("'task' must be a string");
      s.task = value.get<std::string>();
    } else if (key == "args") {
      if (value.is_null()) continue;
      if (!value.is_array()) bad("'args' must be an array");
      s.args = value;
    } else if (key == "kwargs") {
      if (value.is_null()) continue;
      if (!value.is_object()) bad("'kwargs' must be an object");
      s.kwargs = value;
    } else if (key == "options") {
      if (value.is_null()) continue;
      if (!value.is_object()) bad("'options' must be an object");
      s.options = value;
    } else if (key == "subtask_type") {
      if (value.is_string()) {
        s.subtask_type = value.get<std::string>();
      } else if (!value.is_null()) {
        bad("'subtask_type' must be a string or null");
      }
    } else if (key == "immutable") {
      if (!value.is_boolean()) bad("'immutable' must be a boolean");
      s.immutable = value.get<bool>();
    } else {
      s.extra[key] = value;
    }
  }
  if (!j.contains("task")) bad("missing 'task'");
  return s;
}

}  // namespace ferry::celery::protocol
