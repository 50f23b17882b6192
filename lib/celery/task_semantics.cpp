// Celery 5.2.6 references: app/trace.py (callbacks, chain, mark_as_done order, on_failure),
// app/task.py (retry), canvas.py (Signature.apply_async), worker/request.py (expiry),
// worker/consumer (unregistered tasks).
#include "ferry/celery/task_semantics.hpp"

#include <algorithm>

#include "ferry/celery/protocol/json.hpp"

namespace ferry::celery {

namespace {

using sys_clock = std::chrono::system_clock;

exception_info celery_exc(std::string type, json message) {
  return exception_info{std::move(type), std::move(message), "celery.exceptions"};
}

// A child in a result meta's `children`: Celery's result tuple ((id, None), None).
json result_tuple(const std::string& id) {
  return json::array({json::array({id, nullptr}), nullptr});
}

std::vector<signature> signatures_in(const json& options, const char* key) {
  std::vector<signature> out;
  if (options.contains(key) && options[key].is_array())
    for (const auto& s : options[key]) out.push_back(signature::from_json(s));
  return out;
}

// Signature.apply_async((prefix,), parent_id=..., root_id=...): the message for `sig`.
publish_effect apply_signature(const signature& sig, const std::optional<json>& prefix,
                               const task_request& parent, const task_origin& origin,
                               const task_policy& policy,
                               std::optional<std::vector<signature>> chain = {}) {
  const json& o = sig.options;
  task_request r;
  r.task = sig.task;
  if (o.contains("task_id") && o["task_id"].is_string())
    r.id = o["task_id"].get<std::string>();
  else
    r.id = policy.new_id ? policy.new_id() : protocol::new_task_id();
  r.args = json::array();
  if (prefix && !sig.immutable) r.args.push_back(*prefix);
  for (const auto& a : sig.args) r.args.push_back(a);
  r.kwargs = sig.kwargs.is_object() ? sig.kwargs : json::object();
  r.parent_id = parent.id;
  r.root_id = parent.root_id ? parent.root_id : std::optional<std::string>(parent.id);
  r.chain = std::move(chain);
  if (auto l = signatures_in(o, "link"); !l.empty()) r.callbacks = std::move(l);
  if (auto l = signatures_in(o, "link_error"); !l.empty()) r.errbacks = std::move(l);
  r.origin = policy.hostname;
  publish_effect p;
  p.queue = (o.contains("queue") && o["queue"].is_string()) ? o["queue"].get<std::string>()
                                                            : origin.queue;
  if (o.contains("priority") && o["priority"].is_number_integer())
    p.priority = o["priority"].get<int>();
  build_options bo;
  bo.priority = static_cast<std::uint8_t>(std::clamp(p.priority, 0, 9));
  p.message = protocol::build_message(r, bo);
  p.task_id = r.id;
  return p;
}

std::string task_name(const task_request& r) {
  return r.task + "[" + r.id + "]";
}

// trace.py on success: callbacks, then the next chain step, are applied before mark_as_done.
task_effects succeeded(const task_request& req, const task_origin& origin, json value,
                       const task_policy& policy, sys_clock::time_point now) {
  task_effects out;
  json children = json::array();
  if (req.callbacks)
    for (const auto& cb : *req.callbacks) {
      auto p = apply_signature(cb, value, req, origin, policy);
      children.push_back(result_tuple(p.task_id));
      out.emplace_back(std::move(p));
    }
  if (req.chain && !req.chain->empty()) {
    // embed.chain holds the steps left with the NEXT one LAST; it carries the rest along.
    auto rest = *req.chain;
    signature next = rest.back();
    rest.pop_back();
    auto p = apply_signature(next, value, req, origin, policy, std::move(rest));
    children.push_back(result_tuple(p.task_id));
    out.emplace_back(std::move(p));
  }
  if (!req.ignore_result) {
    auto r = task_result::success(req.id, std::move(value), now);
    r.children = std::move(children);
    r.parent_id = req.parent_id;
    r.group_id = req.group;
    out.emplace_back(store_effect{std::move(r), false});
  }
  if (policy.info_lines)
    out.emplace_back(log_effect{log_level::info, "Task " + task_name(req) + " succeeded"});
  return out;
}

// trace.py on_failure: mark_as_failure, then the errbacks (published path: args [id]).
task_effects failed(const task_request& req, const task_origin& origin, const exception_info& exc,
                    std::optional<std::string> traceback, const task_policy& policy,
                    sys_clock::time_point now) {
  task_effects out;
  out.emplace_back(log_effect{log_level::error, "Task " + task_name(req) + " raised " + exc.type +
                                                    ": " +
                                                    protocol::python_json_dumps(exc.message)});
  auto r = task_result::failure(req.id, exc, std::move(traceback), now);
  r.parent_id = req.parent_id;
  r.group_id = req.group;
  const bool has_errbacks = req.errbacks && !req.errbacks->empty();
  // The FAILURE is stored before the errbacks run (they may read it). A FAILURE is stored
  // even with ignore_result, as the worker always has.
  out.emplace_back(store_effect{std::move(r), has_errbacks});
  if (has_errbacks)
    for (const auto& eb : *req.errbacks) {
      auto p = apply_signature(eb, json(req.id), req, origin, policy);
      p.required = false;
      out.emplace_back(std::move(p));
    }
  return out;
}

// task.py retry(): publish first (same id, retries+1, eta, parent_id = own id), then RETRY;
// past max_retries the task fails with `exc` or MaxRetriesExceededError.
task_effects retried(const task_request& req, const task_origin& origin,
                     const task_retry_requested& rr, const task_policy& policy,
                     sys_clock::time_point now) {
  if (req.retries >= rr.max_retries.value_or(policy.max_retries)) {
    const exception_info exc =
        rr.exc ? *rr.exc
               : celery_exc("MaxRetriesExceededError",
                            json::array({"Can't retry " + task_name(req) +
                                         " args:" + protocol::python_json_dumps(req.args) +
                                         " kwargs:" + protocol::python_json_dumps(req.kwargs)}));
    return failed(req, origin, exc, std::nullopt, policy, now);
  }
  task_request n = req;
  n.retries = req.retries + 1;
  n.eta = now + rr.countdown.value_or(policy.default_retry_delay);
  n.parent_id = req.id;
  n.origin = policy.hostname;
  n.argsrepr.reset();
  n.kwargsrepr.reset();
  n.extra_headers.erase("redelivered");
  build_options bo;
  bo.priority = static_cast<std::uint8_t>(std::clamp(origin.priority, 0, 9));
  task_effects out;
  out.emplace_back(
      publish_effect{protocol::build_message(n, bo), origin.queue, origin.priority, req.id, true});
  if (!req.ignore_result) {
    task_result r;
    r.task_id = req.id;
    r.status = states::retry;
    r.result = rr.exc ? rr.exc->to_json() : json(nullptr);
    r.children = json::array({result_tuple(req.id)});
    r.parent_id = req.parent_id;
    out.emplace_back(store_effect{std::move(r), false});
  }
  if (policy.info_lines)
    out.emplace_back(log_effect{log_level::info,
                                "Task " + task_name(req) + " retry " + std::to_string(n.retries)});
  return out;
}

}  // namespace

receive_decision on_receive(const task_request& req, bool registered,
                            std::string_view dead_letter_to, sys_clock::time_point now) {
  receive_decision d;
  if (!registered) {
    // Celery: "Received unregistered task", FAILURE NotRegistered, reject(requeue=False).
    d.action = receive_action::reject;
    d.reason = "unregistered task " + req.task;
    d.effects.emplace_back(
        log_effect{log_level::error, "Received unregistered task of type '" + req.task + "' [" +
                                         req.id + "]; moved to " + std::string(dead_letter_to)});
    d.effects.emplace_back(store_effect{
        task_result::failure(req.id, celery_exc("NotRegistered", json::array({req.task})),
                             std::nullopt, now),
        true});
    return d;
  }
  if (req.expires && *req.expires <= now) {
    // request.py: an expired task is revoked ("expired") and acked, never run.
    d.action = receive_action::revoke;
    d.effects.emplace_back(log_effect{log_level::warning, "Task " + task_name(req) + " expired"});
    if (!req.ignore_result)
      d.effects.emplace_back(store_effect{
          task_result{.task_id = req.id,
                      .status = std::string(states::revoked),
                      .result = celery_exc("TaskRevokedError", json::array({"expired"})).to_json(),
                      .date_done = now},
          true});
    return d;
  }
  if (req.eta && *req.eta > now) {
    d.action = receive_action::hold;
    d.run_at = req.eta;
    return d;
  }
  return d;
}

task_effects on_outcome(const task_request& req, const task_origin& origin, handler_outcome outcome,
                        const task_policy& policy, sys_clock::time_point now) {
  if (auto* s = std::get_if<task_succeeded>(&outcome))
    return succeeded(req, origin, std::move(s->value), policy, now);
  if (const auto* f = std::get_if<task_raised>(&outcome))
    return failed(req, origin, f->exc, f->traceback, policy, now);
  return retried(req, origin, std::get<task_retry_requested>(outcome), policy, now);
}

task_result started_meta(const task_request& req, long long pid, std::string_view hostname) {
  task_result s;
  s.task_id = req.id;
  s.status = states::started;
  s.result = json{{"pid", pid}, {"hostname", std::string(hostname)}};
  s.parent_id = req.parent_id;
  return s;
}

task_effects on_hard_time_limit(std::string_view task_id, std::chrono::milliseconds limit,
                                sys_clock::time_point now) {
  const double secs = std::chrono::duration<double>(limit).count();
  task_effects out;
  out.emplace_back(log_effect{log_level::error, "Hard time limit (" + std::to_string(secs) +
                                                    "s) exceeded for " + std::string(task_id) +
                                                    "; the worker process ends"});
  out.emplace_back(store_effect{
      task_result::failure(std::string(task_id),
                           celery_exc("TimeLimitExceeded", json::array({secs})), std::nullopt, now),
      true});
  return out;
}

time_limits limits_for(const task_request& req, std::optional<std::chrono::milliseconds> soft,
                       std::optional<std::chrono::milliseconds> hard) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  time_limits l;
  l.soft = req.soft_time_limit ? duration_cast<milliseconds>(*req.soft_time_limit) : soft;
  l.hard = req.time_limit ? duration_cast<milliseconds>(*req.time_limit) : hard;
  return l;
}

}  // namespace ferry::celery
