// The worker loop: one consumer thread (run()) pops, checks and schedules; `concurrency`
// handler threads run tasks; one finisher thread writes their results and late acks in
// batches. Celery references:
// worker/request.py (expiry, acks), app/trace.py (callbacks, chain, mark_as_done order),
// app/task.py (retry), worker/consumer (unregistered tasks).
#include "ferry/celery/worker.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>

#include "ferry/error.hpp"

namespace ferry::celery {

using protocol::build_message;
using protocol::new_task_id;
using protocol::parse_message;
using protocol::python_json_dumps;

retry_request::retry_request(std::optional<std::chrono::milliseconds> c,
                             std::optional<exception_info> e, std::optional<std::int64_t> m)
    : std::runtime_error("Retry"), countdown(c), exc(std::move(e)), max_retries(m) {}

void task_context::retry(std::optional<std::chrono::milliseconds> countdown,
                         std::optional<exception_info> exc,
                         std::optional<std::int64_t> max_retries) const {
  throw retry_request(countdown, std::move(exc), max_retries);
}

void task_context::check_soft_time_limit() const {
  if (soft_.load()) throw celery::soft_time_limit_exceeded();
}

namespace {

using sys_clock = std::chrono::system_clock;
using steady = std::chrono::steady_clock;

std::string demangled_type(const std::exception& e) {
  int status = 0;
  const char* mangled = typeid(e).name();
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = (status == 0 && d) ? d : mangled;
  std::free(d);
  return out;
}

std::string local_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

exception_info celery_exc(std::string type, json message) {
  return exception_info{std::move(type), std::move(message), "celery.exceptions"};
}

json result_tuple(const std::string& id) {
  return json::array({json::array({id, nullptr}), nullptr});
}

}  // namespace

struct job {
  task_request request;
  std::string delivery_tag;
  std::string queue;  // routing key / base queue
  int priority = 0;
  task_handler* handler = nullptr;
  std::optional<sys_clock::time_point> eta;
  std::vector<task_result> results;  // written by the finisher once the task is done
  bool ack_after_results = false;    // acks_late: the finisher acks after writing them
};

// What the finisher thread writes next, in this order: results, then late acks.
struct finish_batch {
  std::vector<task_result> results;
  std::vector<std::string> late_acks;
  [[nodiscard]] bool empty() const { return results.empty() && late_acks.empty(); }
};

// The flags belong to the handler thread running the task (reset when it takes the next one).
struct running_task {
  steady::time_point started;
  std::optional<std::chrono::milliseconds> soft, hard;
  std::atomic<bool>* soft_flag = nullptr;
  std::atomic<bool>* hard_flag = nullptr;  // set once FAILURE TimeLimitExceeded is stored
  const job* task = nullptr;               // on the handler thread's stack while it runs
  bool hard_reported = false;
};

struct worker::impl {
  std::shared_ptr<celery::broker> broker;
  std::shared_ptr<result_backend> backend;
  worker_options opt;
  std::map<std::string, task_handler, std::less<>> handlers;

  std::mutex mu;
  std::condition_variable cv_jobs, cv_done;
  std::deque<job> ready;
  std::size_t in_flight = 0;  // queued in `ready` + running
  bool shutting_down = false;
  // Early acks of tasks handler threads have taken (queued in the same step that takes the
  // task off `ready`); the consumer thread sends them with its next fetch (same round trip), or
  // on their own when it has no room to fetch. A crash before they are sent leaves the
  // messages to the visibility timeout (the task may then run again).
  std::vector<std::string> early_acks;
  // One-way acks (broker::one_way_acks, AMQP): a handler thread acks its task itself as it
  // starts; nothing goes through `early_acks`.
  bool one_way_acks = false;
  // The finisher: handler threads hand it their results and late acks and go on with the next
  // task; it writes whatever has accumulated in one pipelined round trip per kind, so a
  // burst of short tasks costs a few round trips, not a few per task.
  finish_batch finishing;
  std::size_t finishing_tasks = 0;  // finished tasks whose results/acks are not taken yet
  std::condition_variable cv_finish;
  bool finisher_stop = false;
  std::thread finisher;
  std::map<std::uint64_t, running_task> running;
  std::uint64_t next_slot = 0;
  std::vector<std::thread> threads;

  // Messages counted against `prefetch`, as Celery counts them: an early-acked task is acked
  // as it starts, so only those not started yet; a late-acked one until it finishes.
  std::size_t window_used() const { return opt.acks_late ? in_flight : ready.size(); }

  void log(log_level l, const std::string& text) const {
    if (opt.log) {
      try {
        opt.log(l, text);
      } catch (...) {
      }
    }
  }

  // Returns false when the copy could not be kept: the caller must then not ack, so the
  // message is not lost (RabbitMQ redelivers it; Redis restores it after the visibility timeout).
  bool dead_letter(const broker_delivery& d, const std::string& err) {
    try {
      broker->dead_letter(d, err, opt.dead_letter_suffix);
      return true;
    } catch (const std::exception& e) {
      log(log_level::error, "dead-letter publish failed: " + std::string(e.what()));
      return false;
    }
  }

  void safe_ack(const std::string& tag) {
    try {
      broker->ack(tag);
    } catch (const std::exception& e) {
      log(log_level::error, "ack " + tag + " failed: " + e.what());
    }
  }

  // Sends acks taken from `early_acks` on their own (no fetch to ride along).
  void send_acks(std::vector<std::string>& acks) {
    if (acks.empty()) return;
    try {
      broker->ack_many(acks);
    } catch (const std::exception& e) {
      log(log_level::error,
          "acking " + std::to_string(acks.size()) + " message(s) failed: " + e.what());
    }
    acks.clear();
  }

  // A result the finisher writes after the task (store_now() for writes others must see
  // before the worker goes on: STARTED, and FAILURE before its errbacks are published).
  static void store_later(job& j, task_result r, bool ignore) {
    if (!ignore) j.results.push_back(std::move(r));
  }

  // Hands a finished task's results and late ack to the finisher; waits while it lags far
  // behind, which bounds the memory a slow result backend can tie up.
  void complete(job& j) {
    if (j.results.empty() && !j.ack_after_results) return;
    std::unique_lock lk(mu);
    for (auto& r : j.results) finishing.results.push_back(std::move(r));
    if (j.ack_after_results) finishing.late_acks.push_back(j.delivery_tag);
    ++finishing_tasks;
    cv_finish.notify_one();
    const std::size_t cap = std::max<std::size_t>(64, 4 * opt.prefetch);
    cv_done.wait(lk, [&] { return finishing_tasks < cap || finisher_stop; });
  }

  void finisher_main() {
    for (;;) {
      finish_batch b;
      {
        std::unique_lock lk(mu);
        cv_finish.wait(lk, [&] { return !finishing.empty() || finisher_stop; });
        if (finishing.empty()) return;  // stopping, and nothing left to write
        b = std::move(finishing);
        finishing = {};
        finishing_tasks = 0;
      }
      cv_done.notify_all();
      try {
        (void)backend->store_many(b.results);
      } catch (const std::exception& e) {
        log(log_level::error,
            "storing " + std::to_string(b.results.size()) + " result(s) failed: " + e.what());
      }
      try {
        broker->ack_many(b.late_acks);
      } catch (const std::exception& e) {
        log(log_level::error,
            "acking " + std::to_string(b.late_acks.size()) + " message(s) failed: " + e.what());
      }
    }
  }

  void start_finisher() {
    finisher_stop = false;
    finisher = std::thread([this] { finisher_main(); });
  }

  // After the handler threads have ended: writes what is left, then ends the finisher.
  void stop_finisher() {
    {
      std::lock_guard lk(mu);
      finisher_stop = true;
    }
    cv_finish.notify_all();
    cv_done.notify_all();
    if (finisher.joinable()) finisher.join();
  }

  void store(const task_result& r, bool ignore) {
    if (ignore) return;
    try {
      (void)backend->store(r);
    } catch (const std::exception& e) {
      log(log_level::error, "storing result of " + r.task_id + " failed: " + e.what());
    }
  }

  // Publishes `sig` as a task: Celery's Signature.apply_async((prefix,), parent_id, root_id).
  std::string apply_signature(const signature& sig, const std::optional<json>& prefix,
                              const task_request& parent, const std::string& default_queue,
                              std::optional<std::vector<signature>> chain = {}) {
    task_request r;
    r.task = sig.task;
    const json& o = sig.options;
    r.id = (o.contains("task_id") && o["task_id"].is_string()) ? o["task_id"].get<std::string>()
                                                               : new_task_id();
    r.args = json::array();
    if (prefix && !sig.immutable) r.args.push_back(*prefix);
    for (const auto& a : sig.args) r.args.push_back(a);
    r.kwargs = sig.kwargs.is_object() ? sig.kwargs : json::object();
    r.parent_id = parent.id;
    r.root_id = parent.root_id ? parent.root_id : std::optional<std::string>(parent.id);
    r.chain = std::move(chain);
    if (o.contains("link") && o["link"].is_array()) {
      std::vector<signature> l;
      for (const auto& s : o["link"]) l.push_back(signature::from_json(s));
      if (!l.empty()) r.callbacks = std::move(l);
    }
    if (o.contains("link_error") && o["link_error"].is_array()) {
      std::vector<signature> l;
      for (const auto& s : o["link_error"]) l.push_back(signature::from_json(s));
      if (!l.empty()) r.errbacks = std::move(l);
    }
    r.origin = opt.hostname;
    std::string queue = default_queue;
    if (o.contains("queue") && o["queue"].is_string()) queue = o["queue"].get<std::string>();
    int priority = 0;
    if (o.contains("priority") && o["priority"].is_number_integer())
      priority = o["priority"].get<int>();
    build_options bo;
    bo.priority = static_cast<std::uint8_t>(std::clamp(priority, 0, 9));
    broker->publish(build_message(r, bo), queue, priority);
    return r.id;
  }

  void execute(job& j, const std::atomic<bool>& soft_flag, const std::atomic<bool>& hard_flag) {
    const task_request& req = j.request;
    if (opt.track_started && !req.ignore_result) {
      task_result s;
      s.task_id = req.id;
      s.status = states::started;
      s.result = json{{"pid", static_cast<long long>(::getpid())}, {"hostname", opt.hostname}};
      if (req.parent_id) s.parent_id = req.parent_id;
      store(s, false);
    }
    task_context ctx{req, soft_flag};
    try {
      json value = (*j.handler)(req.args, req.kwargs, ctx);
      if (hard_flag.load()) {
        // The hard limit already stored FAILURE and acked: a late return changes nothing.
        log(log_level::warning, "Task " + req.id + " returned after its hard time limit");
        return;
      }
      json children = json::array();
      // trace.py: callbacks, then the next chain step, are applied before mark_as_done.
      if (req.callbacks)
        for (const auto& cb : *req.callbacks)
          children.push_back(result_tuple(apply_signature(cb, value, req, j.queue)));
      if (req.chain && !req.chain->empty()) {
        auto rest = *req.chain;
        signature next = rest.back();
        rest.pop_back();
        children.push_back(result_tuple(apply_signature(next, value, req, j.queue, rest)));
      }
      auto r = task_result::success(req.id, std::move(value), sys_clock::now());
      r.children = std::move(children);
      if (req.parent_id) r.parent_id = req.parent_id;
      if (req.group) r.group_id = req.group;
      store_later(j, std::move(r), req.ignore_result);
      if (opt.log) log(log_level::info, "Task " + req.task + "[" + req.id + "] succeeded");
    } catch (const retry_request& rr) {
      if (!hard_flag.load()) handle_retry(j, rr);
    } catch (const celery::soft_time_limit_exceeded&) {
      if (!hard_flag.load())
        fail(j, celery_exc("SoftTimeLimitExceeded", json::array()),
             "celery.exceptions.SoftTimeLimitExceeded: SoftTimeLimitExceeded()");
    } catch (const std::exception& e) {
      exception_info ex{demangled_type(e), json::array({std::string(e.what())}), "ferry"};
      if (!hard_flag.load()) fail(j, ex, ex.type + ": " + e.what());
    } catch (...) {
      if (!hard_flag.load())
        fail(j, exception_info{"UnknownCxxException", json::array(), "ferry"}, std::nullopt);
    }
    if (opt.acks_late) j.ack_after_results = true;
  }

  void fail(job& j, const exception_info& ex, std::optional<std::string> tb) {
    const task_request& req = j.request;
    log(log_level::error, "Task " + req.task + "[" + req.id + "] raised " + ex.type + ": " +
                              python_json_dumps(ex.message));
    // trace.py on_failure: mark_as_failure, then the errbacks (published path: args [id]).
    auto r = task_result::failure(req.id, ex, std::move(tb), sys_clock::now());
    if (req.parent_id) r.parent_id = req.parent_id;
    if (req.group) r.group_id = req.group;
    if (!req.errbacks) {
      store_later(j, std::move(r), false);
      return;
    }
    // trace.py: the FAILURE is stored before the errbacks run (they may read it).
    store(r, false);
    for (const auto& eb : *req.errbacks) {
      try {
        (void)apply_signature(eb, json(req.id), req, j.queue);
      } catch (const std::exception& e) {
        log(log_level::error, "errback publish failed: " + std::string(e.what()));
      }
    }
  }

  void handle_retry(job& j, const retry_request& rr) {
    const task_request& req = j.request;
    auto max = rr.max_retries.value_or(opt.max_retries);
    if (req.retries >= max) {
      fail(j,
           rr.exc ? *rr.exc
                  : celery_exc("MaxRetriesExceededError",
                               json::array({"Can't retry " + req.task + "[" + req.id +
                                            "] args:" + python_json_dumps(req.args) +
                                            " kwargs:" + python_json_dumps(req.kwargs)})),
           std::nullopt);
      return;
    }
    // task.py retry(): publish first (same id, retries+1, eta, parent_id = own id), then RETRY.
    task_request n = req;
    n.retries = req.retries + 1;
    n.eta = sys_clock::now() + rr.countdown.value_or(opt.default_retry_delay);
    n.parent_id = req.id;
    n.origin = opt.hostname;
    n.argsrepr.reset();
    n.kwargsrepr.reset();
    n.extra_headers.erase("redelivered");
    build_options bo;
    bo.priority = static_cast<std::uint8_t>(j.priority);
    broker->publish(build_message(n, bo), j.queue, j.priority);
    task_result r;
    r.task_id = req.id;
    r.status = states::retry;
    r.result = rr.exc ? rr.exc->to_json() : json(nullptr);
    r.children = json::array({result_tuple(req.id)});
    r.parent_id = req.parent_id ? req.parent_id : std::optional<std::string>();
    store_later(j, std::move(r), req.ignore_result);
    log(log_level::info,
        "Task " + req.task + "[" + req.id + "] retry " + std::to_string(n.retries));
  }

  void thread_main() {
    // This thread's time-limit flags, reset for each task under `mu` (check_limits sets them
    // only while the task is in `running`).
    std::atomic<bool> soft_flag{false}, hard_flag{false};
    for (;;) {
      job j;
      std::uint64_t slot = 0;
      bool refill = false;
      {
        std::unique_lock lk(mu);
        cv_jobs.wait(lk, [&] { return !ready.empty() || shutting_down; });
        if (ready.empty()) return;
        j = std::move(ready.front());
        ready.pop_front();
        // Wake the consumer when the waiting tasks run out, not after every task: it then
        // refills the whole window in one fetch. An early-acked task has left the window as it
        // starts, so that fetch overlaps the last task's run; a late-acked one leaves it when
        // it finishes.
        refill = ready.empty();
        if (!opt.acks_late && !one_way_acks) {
          // Early ack, queued in the same step that takes the task off `ready`: the consumer
          // then never misses it when it decides how long to block (see run()).
          early_acks.push_back(j.delivery_tag);
        }
        slot = next_slot++;
        soft_flag.store(false);
        hard_flag.store(false);
        running_task rt;
        rt.started = steady::now();
        if (j.request.soft_time_limit)
          rt.soft =
              std::chrono::duration_cast<std::chrono::milliseconds>(*j.request.soft_time_limit);
        else
          rt.soft = opt.soft_time_limit;
        if (j.request.time_limit)
          rt.hard = std::chrono::duration_cast<std::chrono::milliseconds>(*j.request.time_limit);
        else
          rt.hard = opt.time_limit;
        rt.soft_flag = &soft_flag;
        rt.hard_flag = &hard_flag;
        rt.task = &j;
        running.emplace(slot, std::move(rt));
      }
      if (refill && !opt.acks_late) cv_done.notify_all();
      // One-way acks go out as the task starts (see one_way_acks).
      if (!opt.acks_late && one_way_acks) safe_ack(j.delivery_tag);
      try {
        execute(j, soft_flag, hard_flag);
      } catch (const std::exception& e) {
        log(log_level::error, "finishing task " + j.request.id + " failed: " + e.what());
      }
      {
        std::lock_guard lk(mu);
        running.erase(slot);
        --in_flight;
        refill = ready.empty();
      }
      if (refill) cv_done.notify_all();  // a late ack's room; run()'s shutdown wait
      complete(j);
    }
  }

  // Soft limits set the flag; a hard limit records FAILURE and ends the process (see header).
  // Returns true while some running task still has a limit ahead (the loop then wakes often).
  bool check_limits() {
    struct over_limit {
      std::string id, delivery_tag;
      std::chrono::milliseconds limit;
    };
    std::vector<over_limit> hard;
    bool pending = false;
    {
      std::lock_guard lk(mu);
      auto now = steady::now();
      for (auto& [slot, rt] : running) {
        if ((rt.soft && !rt.soft_flag->load()) || (rt.hard && !rt.hard_reported)) pending = true;
        if (rt.soft && now - rt.started >= *rt.soft) rt.soft_flag->store(true);
        if (rt.hard && !rt.hard_reported && now - rt.started >= *rt.hard) {
          rt.hard_reported = true;
          rt.hard_flag->store(true);
          hard.push_back({rt.task->request.id, rt.task->delivery_tag, *rt.hard});
        }
      }
    }
    for (const auto& rt : hard) {
      double secs = std::chrono::duration<double>(rt.limit).count();
      log(log_level::error, "Hard time limit (" + std::to_string(secs) + "s) exceeded for " +
                                rt.id + "; the worker process ends");
      store(task_result::failure(rt.id, celery_exc("TimeLimitExceeded", json::array({secs})),
                                 std::nullopt, sys_clock::now()),
            false);
      safe_ack(rt.delivery_tag);
      try {
        broker->flush();  // the process may end next: the ack must be on the wire
      } catch (const std::exception& e) {
        log(log_level::error, std::string("ack before exit failed: ") + e.what());
      }
      if (opt.on_hard_time_limit)
        opt.on_hard_time_limit();
      else
        std::_Exit(70);
    }
    return pending;
  }
};

worker::worker(std::shared_ptr<celery::broker> broker, std::shared_ptr<result_backend> backend,
               worker_options options)
    : impl_(std::make_unique<impl>()) {
  if (!broker || !backend) throw std::invalid_argument("worker: null broker/backend");
  if (options.queues.empty()) throw std::invalid_argument("worker: no queues");
  if (options.concurrency == 0) throw std::invalid_argument("worker: concurrency 0");
  options.prefetch = std::max(options.prefetch, options.concurrency);
  if (options.hostname.empty()) options.hostname = "celery@" + local_hostname();
  impl_->broker = std::move(broker);
  impl_->backend = std::move(backend);
  impl_->opt = std::move(options);
}

worker::~worker() {
  stop();
  if (impl_) {
    {
      std::lock_guard lk(impl_->mu);
      impl_->shutting_down = true;
    }
    impl_->cv_jobs.notify_all();
    for (auto& t : impl_->threads)
      if (t.joinable()) t.join();
    impl_->stop_finisher();
  }
}

void worker::register_task(std::string name, task_handler handler) {
  if (name.empty() || !handler) throw std::invalid_argument("register_task: empty name/handler");
  impl_->handlers[std::move(name)] = std::move(handler);
}

void worker::run() {
  impl& s = *impl_;
  const auto& opt = s.opt;
  {
    std::lock_guard lk(s.mu);
    s.shutting_down = false;
  }
  s.one_way_acks = s.broker->one_way_acks();
  s.start_finisher();
  for (std::size_t i = 0; i < opt.concurrency; ++i)
    s.threads.emplace_back([&s] { s.thread_main(); });
  s.log(log_level::info, "worker " + opt.hostname + " ready");

  auto cmp = [](const job& a, const job& b) { return *a.eta > *b.eta; };
  std::priority_queue<job, std::vector<job>, decltype(cmp)> held(cmp);
  auto last_restore = steady::time_point{};
  auto backoff = std::chrono::milliseconds(100);

  auto dispatch = [&](job j) {
    if (j.request.expires && *j.request.expires <= sys_clock::now()) {
      // request.py: an expired task is revoked ("expired") and acked, never run.
      s.log(log_level::warning, "Task " + j.request.task + "[" + j.request.id + "] expired");
      s.store(
          task_result{.task_id = j.request.id,
                      .status = std::string(states::revoked),
                      .result = celery_exc("TaskRevokedError", json::array({"expired"})).to_json(),
                      .date_done = sys_clock::now()},
          j.request.ignore_result);
      s.safe_ack(j.delivery_tag);
      return;
    }
    {
      std::lock_guard lk(s.mu);
      s.ready.push_back(std::move(j));
      ++s.in_flight;
    }
    s.cv_jobs.notify_one();
  };

  // Celery raises basic.qos by one for every eta message it holds (qos.increment_eventually).
  std::size_t prefetch_sent = 0;
  auto update_prefetch = [&] {
    const std::size_t want = opt.prefetch + held.size();
    if (want != prefetch_sent) {
      s.broker->set_prefetch(want);
      prefetch_sent = want;
    }
  };

  // One fetched message: dead-letter it, hold it (eta) or hand it to the handler threads.
  auto accept = [&](broker_delivery& d) {
    const std::string& queue = d.queue;
    // A message is acked only after its dead-letter copy is kept: never a silent loss.
    auto reject = [&](const std::string& why) {
      if (s.dead_letter(d, why) && !d.delivery_tag.empty()) s.safe_ack(d.delivery_tag);
    };
    if (!d.message) {
      s.log(log_level::error, "rejected undecodable message from " + queue + ": " + d.error);
      reject(d.error);
      return;
    }
    job j;
    j.delivery_tag = d.delivery_tag;
    j.queue = d.routing_key.empty() ? queue : d.routing_key;
    j.priority = d.message->properties.priority.value_or(0);
    try {
      j.request = parse_message(*d.message, opt.parse);
    } catch (const std::exception& e) {
      s.log(log_level::error, "rejected invalid task message from " + queue + ": " + e.what());
      reject(e.what());
      return;
    }
    auto h = s.handlers.find(j.request.task);
    if (h == s.handlers.end()) {
      // Celery: "Received unregistered task", FAILURE NotRegistered, reject(requeue=False).
      s.log(log_level::error, "Received unregistered task of type '" + j.request.task + "' [" +
                                  j.request.id + "]; moved to " + queue + opt.dead_letter_suffix);
      s.store(task_result::failure(j.request.id,
                                   celery_exc("NotRegistered", json::array({j.request.task})),
                                   std::nullopt, sys_clock::now()),
              false);
      reject("unregistered task " + j.request.task);
      return;
    }
    j.handler = &h->second;
    if (j.request.eta && *j.request.eta > sys_clock::now()) {
      j.eta = j.request.eta;
      held.push(std::move(j));
      return;
    }
    dispatch(std::move(j));
  };

  // The acks to send next; swapped with `early_acks`, so both keep their capacity.
  std::vector<std::string> acks;
  // A broker failure the worker cannot ride out: after the graceful stop below, run() throws it
  // so the caller can tell a fatal stop from stop() (an app exits non-zero, a supervisor sees).
  std::optional<error> fatal;
  while (!stop_.load()) {
    acks.clear();  // sent, or (a failed fetch) left to the broker's redelivery
    try {
      if (steady::now() - last_restore >= opt.restore_interval) {
        last_restore = steady::now();
        if (auto n = s.broker->maintain(); n > 0)
          s.log(log_level::warning, "restored " + std::to_string(n) + " unacked message(s)");
      }
      const bool limits_pending = s.check_limits();
      while (!held.empty() && *held.top().eta <= sys_clock::now()) {
        job j = held.top();
        held.pop();
        if (!s.broker->valid(j.delivery_tag)) {
          // The connection that delivered it is gone: the broker redelivers it to someone.
          s.log(log_level::warning, "Task " + j.request.id + " was requeued by the broker");
          continue;
        }
        dispatch(std::move(j));
      }
      update_prefetch();
      // Wait at most 1 s (stop flag, limits), less when an eta is due sooner.
      auto wait = std::chrono::milliseconds(1000);
      if (!held.empty()) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*held.top().eta -
                                                                           sys_clock::now());
        wait = std::clamp(until, std::chrono::milliseconds(10), wait);
      }
      // Time limits are checked between waits: 100 ms resolution while one is running.
      if (limits_pending) wait = std::min(wait, std::chrono::milliseconds(100));
      std::size_t room = 0;
      bool full = false;
      {
        std::unique_lock lk(s.mu);
        const auto no_room = [&] {
          return s.window_used() >= opt.prefetch || held.size() >= opt.max_eta_held;
        };
        if (no_room()) {
          full = true;
          if (s.early_acks.empty()) {
            s.cv_done.wait_for(lk, wait);
          } else if (s.cv_done.wait_for(lk, std::chrono::milliseconds(5),
                                        [&] { return !no_room(); })) {
            // Early acks wait a moment for room, to ride along with the next fetch (short
            // tasks free it within microseconds); past that they go on their own.
            full = false;
          } else {
            acks.swap(s.early_acks);
          }
        }
        if (!full) {
          acks.swap(s.early_acks);
          room = opt.prefetch - s.window_used();
          // Tasks handed over but not yet taken will ack soon: block only briefly, so those
          // acks are not held up by a long wait on an empty queue.
          if (!opt.acks_late && !s.ready.empty())
            wait = std::min(wait, std::chrono::milliseconds(10));
        }
      }
      if (full) {
        s.send_acks(acks);
        s.broker->flush();  // acks from other threads (AMQP sends them from this thread)
        continue;
      }
      // As many as the prefetch window has room for (Redis: one round trip when they are
      // waiting); the early acks ride along. If this fails they are not retried: the broker
      // then redelivers those messages (at-least-once).
      auto got = s.broker->fetch_many(opt.queues, room, wait, acks);
      backoff = std::chrono::milliseconds(100);
      for (auto& d : got) accept(d);
    } catch (const error& e) {
      if (!e.is_transient()) {
        s.log(log_level::error, std::string("worker stopping: ") + e.what());
        fatal = e;
        stop_.store(true);
        break;
      }
      s.log(log_level::warning, std::string("broker error, retrying: ") + e.what());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
  // Graceful stop: held eta messages go back to the queue head (kombu restores what it holds
  // on shutdown); in-flight tasks finish and are acked.
  while (!held.empty()) {
    try {
      s.broker->requeue(held.top().delivery_tag);
    } catch (const std::exception& e) {
      s.log(log_level::error, std::string("restore on shutdown failed: ") + e.what());
    }
    held.pop();
  }
  {
    std::unique_lock lk(s.mu);
    while (s.in_flight > 0) {
      lk.unlock();
      (void)s.check_limits();
      lk.lock();
      s.cv_done.wait_for(lk, std::chrono::milliseconds(200));
    }
    s.shutting_down = true;
  }
  s.cv_jobs.notify_all();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.stop_finisher();
  s.send_acks(s.early_acks);
  try {
    s.broker->flush();
  } catch (const std::exception& e) {
    s.log(log_level::error, std::string("sending the last acks failed: ") + e.what());
  }
  s.log(log_level::info, "worker " + opt.hostname + " stopped");
  if (fatal) throw *fatal;
}

}  // namespace ferry::celery
