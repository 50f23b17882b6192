#include "ferry/celery/client.hpp"

#include <algorithm>
#include <stdexcept>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/celery/registry.hpp"

namespace ferry::celery {

task_failed::task_failed(task_result result)
    : std::runtime_error([&] {
        std::string what = "celery task " + result.task_id + " " + result.status;
        if (auto e = result.exception())
          what += ": " + e->type + protocol::python_json_dumps(e->message);
        return what;
      }()),
      result_(std::move(result)),
      exc_(result_.exception()) {}

async_result::async_result(std::string task_id, std::shared_ptr<result_backend> backend)
    : id_(std::move(task_id)), backend_(std::move(backend)) {}

task_result async_result::wait(std::chrono::milliseconds timeout) const {
  return backend_->wait(id_, timeout);
}

json async_result::get(std::chrono::milliseconds timeout) const {
  auto r = wait(timeout);
  if (r.status != states::success) throw task_failed(std::move(r));
  return r.result;
}

std::optional<task_result> async_result::meta() const {
  return backend_->get(id_);
}

std::string async_result::state() const {
  auto m = meta();
  return m ? m->status : std::string(states::pending);
}
bool async_result::ready() const {
  return protocol::is_ready_state(state());
}
bool async_result::successful() const {
  return state() == states::success;
}
bool async_result::failed() const {
  return state() == states::failure;
}

client::client(std::string_view broker_url, std::string_view backend_url)
    : client(open_broker(broker_url), open_backend(backend_url)) {}

client::client(std::shared_ptr<celery::broker> broker, std::shared_ptr<result_backend> backend)
    : broker_(std::move(broker)), backend_(std::move(backend)) {
  if (!broker_ || !backend_) throw std::invalid_argument("celery::client: null broker/backend");
}

namespace {

// Celery's send_task: the protocol-2 message for `name` with `o`; its id goes to `id`.
task_message make_message(std::string_view name, json args, json kwargs, const send_options& o,
                          std::string& id) {
  if (name.empty()) throw std::invalid_argument("send_task: empty task name");
  // Like Celery's `args or ()` / `kwargs or {}`: `{}` from C++ is JSON null.
  if (args.is_null()) args = json::array();
  if (kwargs.is_null()) kwargs = json::object();
  if (!args.is_array()) throw std::invalid_argument("send_task: args must be a JSON array");
  if (!kwargs.is_object()) throw std::invalid_argument("send_task: kwargs must be an object");
  task_request r;
  r.task = std::string(name);
  r.id = o.task_id ? *o.task_id : protocol::new_task_id();
  r.args = std::move(args);
  r.kwargs = std::move(kwargs);
  if (o.countdown)
    r.eta = std::chrono::system_clock::now() + *o.countdown;
  else
    r.eta = o.eta;
  r.expires = o.expires;
  r.parent_id = o.parent_id;
  r.root_id = o.root_id;
  r.ignore_result = o.ignore_result;
  r.time_limit = o.time_limit;
  r.soft_time_limit = o.soft_time_limit;
  if (!o.link.empty()) r.callbacks = o.link;
  if (!o.link_error.empty()) r.errbacks = o.link_error;
  if (!o.chain.empty()) r.chain = o.chain;
  build_options bo;
  bo.priority = static_cast<std::uint8_t>(std::clamp(o.priority, 0, 9));
  // send_task passes args as a list: argsrepr is "[2, 3]".
  bo.argsrepr_as_tuple = false;
  id = r.id;
  return protocol::build_message(r, bo);
}

}  // namespace

async_result client::send_task(std::string_view name, json args, json kwargs,
                               const send_options& o) {
  std::string id;
  broker_->publish(make_message(name, std::move(args), std::move(kwargs), o, id), o.queue,
                   o.priority);
  return async_result{std::move(id), backend_};
}

std::vector<async_result> client::send_tasks(std::span<const task_call> calls) {
  std::vector<task_message> messages;
  std::vector<std::string> ids(calls.size());
  messages.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i)
    messages.push_back(
        make_message(calls[i].name, calls[i].args, calls[i].kwargs, calls[i].options, ids[i]));
  std::vector<outgoing_message> out;
  out.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i)
    out.push_back({&messages[i], calls[i].options.queue, calls[i].options.priority});
  broker_->publish_many(out);
  std::vector<async_result> handles;
  handles.reserve(calls.size());
  for (auto& id : ids) handles.emplace_back(std::move(id), backend_);
  return handles;
}

async_result client::result(std::string task_id) const {
  return async_result{std::move(task_id), backend_};
}

}  // namespace ferry::celery
