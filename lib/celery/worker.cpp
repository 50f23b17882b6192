// The worker: ferry::worker_runtime's fetch thread drives worker_source (fetch, decide, settle);
// its `concurrency` handler threads run tasks through run_delivery(); one finisher thread
// writes their results in batches. The Celery rules are in task_semantics.cpp; this file runs
// handlers and carries out the effects those rules return.
#include "ferry/celery/worker.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "celery/worker_impl.hpp"
#include "celery/worker_source.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery {

using std::chrono::milliseconds;

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

worker_options checked(worker_options o) {
  if (o.queues.empty()) throw std::invalid_argument("worker: no queues");
  if (o.concurrency == 0) throw std::invalid_argument("worker: concurrency 0");
  o.prefetch = std::max(o.prefetch, o.concurrency);
  if (o.hostname.empty()) o.hostname = "celery@" + local_hostname();
  return o;
}

}  // namespace

worker::impl::impl(std::shared_ptr<celery::broker> b, std::shared_ptr<result_backend> r,
                   worker_options o)
    : broker(std::move(b)),
      backend(std::move(r)),
      opt(checked(std::move(o))),
      policy{opt.hostname,
             opt.default_retry_delay,
             opt.max_retries,
             {},
             opt.observer.enabled(log_level::info)},
      log{opt.observer},
      finisher(*backend, std::max<std::size_t>(64, 4 * opt.prefetch), log) {}

// Celery counts its prefetch window in messages not acked: with early acks the tasks not
// started yet (the runtime's ready buffer), with acks_late the running ones too.
worker_runtime_options worker::impl::runtime_options() const {
  worker_runtime_options r;
  r.concurrency = opt.concurrency;
  r.prefetch = opt.acks_late ? opt.prefetch - opt.concurrency : opt.prefetch;
  r.ack_on_start = !opt.acks_late;
  r.run_prefetched_on_stop = true;
  r.observer = opt.observer;
  r.component = "celery.worker";
  return r;
}

outcome worker::impl::run_delivery(const delivery& d) {
  auto& j = *std::any_cast<const std::shared_ptr<detail::job>&>(d.native);
  // This run's time-limit flags, reset for each task before the watch sees it.
  std::atomic<bool> soft{false}, hard{false};
  const auto slot =
      limits.begin(limits_for(j.request, opt.soft_time_limit, opt.time_limit), soft, hard, j);
  try {
    run_task(j, soft, hard);
  } catch (const std::exception& e) {
    log(log_level::error, "finishing task " + j.request.id + " failed: " + e.what());
  }
  limits.end(slot);
  finisher.complete(j);
  return outcome::ack();
}

void worker::impl::run_task(detail::job& j, const std::atomic<bool>& soft,
                            const std::atomic<bool>& hard) {
  if (opt.track_started && !j.request.ignore_result)
    store_now(started_meta(j.request, static_cast<long long>(::getpid()), opt.hostname));
  auto outcome = call_handler(j, soft);
  if (hard.load()) {
    // The hard limit already stored FAILURE and acked: a late return changes nothing.
    log(log_level::warning, "Task " + j.request.id + " returned after its hard time limit");
    return;
  }
  auto effects =
      on_outcome(j.request, j.origin, std::move(outcome), policy, std::chrono::system_clock::now());
  carry_out(effects, &j);
}

handler_outcome worker::impl::call_handler(detail::job& j, const std::atomic<bool>& soft) {
  task_context ctx{j.request, soft};
  try {
    return task_succeeded{(*j.handler)(j.request.args, j.request.kwargs, ctx)};
  } catch (const retry_request& rr) {
    return task_retry_requested{rr.countdown, rr.exc, rr.max_retries};
  } catch (const celery::soft_time_limit_exceeded&) {
    return task_raised{{"SoftTimeLimitExceeded", json::array(), "celery.exceptions"},
                       "celery.exceptions.SoftTimeLimitExceeded: SoftTimeLimitExceeded()"};
  } catch (const std::exception& e) {
    exception_info ex{demangled_type(e), json::array({std::string(e.what())}), "ferry"};
    std::string tb = ex.type + ": " + e.what();
    return task_raised{std::move(ex), std::move(tb)};
  } catch (...) {
    return task_raised{{"UnknownCxxException", json::array(), "ferry"}, std::nullopt};
  }
}

void worker::impl::carry_out(task_effects& effects, detail::job* j) {
  for (auto& e : effects) {
    if (auto* s = std::get_if<store_effect>(&e)) {
      if (s->immediately || !j)
        store_now(s->result);
      else
        j->results.push_back(std::move(s->result));
    } else if (auto* p = std::get_if<publish_effect>(&e)) {
      if (p->required) {
        broker->publish(p->message, p->queue, p->priority);
        continue;
      }
      try {
        broker->publish(p->message, p->queue, p->priority);
      } catch (const std::exception& ex) {
        log(log_level::error, "errback publish failed: " + std::string(ex.what()));
      }
    } else {
      const auto& l = std::get<log_effect>(e);
      log(l.level, l.text);
    }
  }
}

void worker::impl::store_now(const task_result& r) {
  try {
    (void)backend->store(r);
  } catch (const std::exception& e) {
    log(log_level::error, "storing result of " + r.task_id + " failed: " + e.what());
  }
}

void worker::impl::safe_ack(const std::string& tag) {
  try {
    broker->ack(tag);
  } catch (const std::exception& e) {
    log(log_level::error, "ack " + tag + " failed: " + e.what());
  }
}

bool worker::impl::dead_letter(const broker_delivery& d, const std::string& why) {
  try {
    broker->dead_letter(d, why, opt.dead_letter_suffix);
    return true;
  } catch (const std::exception& e) {
    log(log_level::error, "dead-letter publish failed: " + std::string(e.what()));
    return false;
  }
}

worker::worker(std::shared_ptr<celery::broker> broker, std::shared_ptr<result_backend> backend,
               worker_options options) {
  if (!broker || !backend) throw std::invalid_argument("worker: null broker/backend");
  impl_ = std::make_unique<impl>(std::move(broker), std::move(backend), std::move(options));
}

worker::~worker() = default;

void worker::register_task(std::string name, task_handler handler) {
  if (name.empty() || !handler) throw std::invalid_argument("register_task: empty name/handler");
  impl_->handlers[std::move(name)] = std::move(handler);
}

void worker::run() {
  impl& s = *impl_;
  detail::worker_source source{s};
  s.finisher.start();
  {
    worker_runtime runtime{source, [&s](const delivery& d) { return s.run_delivery(d); },
                           s.runtime_options()};
    runtime.start();
    s.log(log_level::info, "worker " + s.opt.hostname + " ready");
    // stop() only sets a flag (it may come from a signal handler): looked at every 50 ms.
    while (!stop_.load() && !source.fatal()) std::this_thread::sleep_for(milliseconds(50));
    stop_.store(true);
    runtime.stop();  // finishes the tasks it holds and settles them
  }
  source.drain();
  s.finisher.stop();
  try {
    s.broker->flush();
  } catch (const std::exception& e) {
    s.log(log_level::error, std::string("sending the last acks failed: ") + e.what());
  }
  s.log(log_level::info, "worker " + s.opt.hostname + " stopped");
  if (auto fatal = source.fatal()) {
    s.log(log_level::error, std::string("worker stopped by: ") + fatal->what());
    throw *fatal;
  }
}

}  // namespace ferry::celery
