#include "ferry/celery/protocol/task_result.hpp"

#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery::protocol {
namespace {

[[noreturn]] void bad(const std::string& why) {
  throw error(errc::decode_error, "invalid Celery result meta: " + why);
}

json opt(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

std::optional<std::string> read_opt_string(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(std::string("'") + key + "' must be a string or null");
  return it->get<std::string>();
}

}  // namespace

bool is_ready_state(std::string_view s) noexcept {
  return s == states::success || s == states::failure || s == states::revoked;
}

bool is_exception_state(std::string_view s) noexcept {
  return s == states::failure || s == states::retry || s == states::revoked;
}

std::string result_key(std::string_view task_id) {
  return "celery-task-meta-" + std::string(task_id);
}

std::string group_result_key(std::string_view group_id) {
  return "celery-taskset-meta-" + std::string(group_id);
}

json exception_info::to_json() const {
  json j = json::object();
  j["exc_type"] = type;
  j["exc_message"] = message;
  j["exc_module"] = opt(module);
  return j;
}

std::optional<exception_info> exception_info::from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  const auto t = j.find("exc_type");
  if (t == j.end() || !t->is_string()) return std::nullopt;
  exception_info e;
  e.type = t->get<std::string>();
  if (const auto m = j.find("exc_message"); m != j.end()) {
    // Old writers stored a plain string; normalise to Celery's list form.
    e.message = m->is_array() ? *m : json::array({*m});
  }
  e.module = std::nullopt;
  if (const auto m = j.find("exc_module"); m != j.end() && m->is_string()) {
    e.module = m->get<std::string>();
  }
  return e;
}

std::optional<exception_info> task_result::exception() const {
  return exception_info::from_json(result);
}

std::string task_result::to_json() const {
  // _get_result_meta + KeyValueStoreBackend._store_result key order (Celery 5.2.6).
  json j = json::object();
  j["status"] = status;
  j["result"] = result;
  j["traceback"] = opt(traceback);
  j["children"] = children;
  j["date_done"] = date_done ? json(format_isoformat_naive(*date_done)) : json(nullptr);
  if (group_id) j["group_id"] = *group_id;
  if (parent_id) j["parent_id"] = *parent_id;
  if (extended) {
    j["name"] = opt(extended->name);
    j["args"] = extended->args;
    j["kwargs"] = extended->kwargs;
    j["worker"] = opt(extended->worker);
    j["retries"] = extended->retries ? json(*extended->retries) : json(nullptr);
    j["queue"] = opt(extended->queue);
  }
  for (const auto& [key, value] : extra.items()) j[key] = value;
  j["task_id"] = task_id;
  return python_json_dumps(j);
}

task_result task_result::from_json(std::string_view text) {
  const json j = parse_json(text, "Celery result meta");
  if (!j.is_object()) bad("expected a JSON object");
  task_result r;
  const auto status = read_opt_string(j, "status");
  if (!status) bad("missing 'status'");
  r.status = *status;
  const auto id = read_opt_string(j, "task_id");
  if (!id) bad("missing 'task_id'");
  r.task_id = *id;
  bool has_extended = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "status" || key == "task_id") continue;
    if (key == "result") {
      r.result = value;
    } else if (key == "traceback") {
      r.traceback = read_opt_string(j, "traceback");
    } else if (key == "children") {
      r.children = value.is_null() ? json::array() : value;
    } else if (key == "date_done") {
      if (const auto d = read_opt_string(j, "date_done")) {
        try {
          r.date_done = parse_iso8601(*d);
        } catch (const error& e) {
          bad(std::string("'date_done': ") + e.what());
        }
      }
    } else if (key == "group_id") {
      r.group_id = read_opt_string(j, "group_id");
    } else if (key == "parent_id") {
      r.parent_id = read_opt_string(j, "parent_id");
    } else if (key == "name" || key == "args" || key == "kwargs" || key == "worker" ||
               key == "retries" || key == "queue") {
      has_extended = true;
    } else {
      r.extra[key] = value;
    }
  }
  if (has_extended) {
    extended_result_fields x;
    x.name = read_opt_string(j, "name");
    x.args = j.value("args", json(nullptr));
    x.kwargs = j.value("kwargs", json(nullptr));
    x.worker = read_opt_string(j, "worker");
    if (const auto it = j.find("retries"); it != j.end() && !it->is_null()) {
      if (!it->is_number_integer()) bad("'retries' must be an integer or null");
      x.retries = it->get<std::int64_t>();
    }
    x.queue = read_opt_string(j, "queue");
    r.extended = std::move(x);
  }
  return r;
}

task_result task_result::success(std::string task_id, json value, time_point now) {
  task_result r;
  r.task_id = std::move(task_id);
  r.status = states::success;
  r.result = std::move(value);
  r.date_done = now;
  return r;
}

task_result task_result::failure(std::string task_id, const exception_info& exc,
                                 std::optional<std::string> traceback, time_point now) {
  task_result r;
  r.task_id = std::move(task_id);
  r.status = states::failure;
  r.result = exc.to_json();
  r.traceback = std::move(traceback);
  r.date_done = now;
  return r;
}

}  // namespace ferry::celery::protocol
