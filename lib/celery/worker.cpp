// The worker: one consumer thread (run(), worker_consumer) fetches and decides; `concurrency`
// handler threads run tasks; one finisher thread writes their results and late acks in
// batches. The Celery rules are in task_semantics.cpp; this file runs handlers and carries out
// the effects those rules return.
#include "ferry/celery/worker.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdlib>

#include "celery/worker_consumer.hpp"
#include "celery/worker_impl.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery {

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
      tasks(opt.prefetch, opt.acks_late),
      finisher(*broker, *backend, std::max<std::size_t>(64, 4 * opt.prefetch), log) {}

void worker::impl::start_threads() {
  tasks.reopen();
  one_way_acks = broker->one_way_acks();
  finisher.start();
  for (std::size_t i = 0; i < opt.concurrency; ++i) threads.emplace_back([this] { thread_main(); });
}

void worker::impl::stop_threads() {
  tasks.shut_down();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  threads.clear();
  finisher.stop();
  auto acks = tasks.take_acks();
  send_acks(acks);
  try {
    broker->flush();
  } catch (const std::exception& e) {
    log(log_level::error, std::string("sending the last acks failed: ") + e.what());
  }
}

void worker::impl::thread_main() {
  // This thread's time-limit flags, reset for each task before the watch sees it.
  std::atomic<bool> soft{false}, hard{false};
  // Early acks go through the consumer (with its next fetch) unless they are one-way.
  const bool early_via_consumer = !opt.acks_late && !one_way_acks;
  for (;;) {
    bool refill = false;
    auto j = tasks.take(early_via_consumer, refill);
    if (!j) return;
    soft.store(false);
    hard.store(false);
    const auto slot =
        limits.begin(limits_for(j->request, opt.soft_time_limit, opt.time_limit), soft, hard, *j);
    if (refill && !opt.acks_late) tasks.notify_room();
    if (!opt.acks_late && one_way_acks) safe_ack(j->delivery_tag);
    try {
      run_task(*j, soft, hard);
    } catch (const std::exception& e) {
      log(log_level::error, "finishing task " + j->request.id + " failed: " + e.what());
    }
    limits.end(slot);
    tasks.finished();
    finisher.complete(*j);
  }
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
  if (opt.acks_late) j.ack_after_results = true;
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

bool worker::impl::check_limits() {
  std::vector<detail::time_limit_watch::over_limit> over;
  const bool pending = limits.check(over);
  for (const auto& o : over) {
    auto effects = on_hard_time_limit(o.id, o.limit, std::chrono::system_clock::now());
    carry_out(effects, nullptr);
    safe_ack(o.delivery_tag);
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

void worker::impl::safe_ack(const std::string& tag) {
  try {
    broker->ack(tag);
  } catch (const std::exception& e) {
    log(log_level::error, "ack " + tag + " failed: " + e.what());
  }
}

void worker::impl::send_acks(std::vector<std::string>& acks) {
  if (acks.empty()) return;
  try {
    broker->ack_many(acks);
  } catch (const std::exception& e) {
    log(log_level::error,
        "acking " + std::to_string(acks.size()) + " message(s) failed: " + e.what());
  }
  acks.clear();
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

worker::~worker() {
  stop();
  if (!impl_) return;
  impl_->tasks.shut_down();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->finisher.stop();
}

void worker::register_task(std::string name, task_handler handler) {
  if (name.empty() || !handler) throw std::invalid_argument("register_task: empty name/handler");
  impl_->handlers[std::move(name)] = std::move(handler);
}

void worker::run() {
  impl& s = *impl_;
  s.start_threads();
  s.log(log_level::info, "worker " + s.opt.hostname + " ready");
  detail::worker_consumer consumer{s, stop_};
  auto fatal = consumer.loop();
  consumer.drain();
  s.stop_threads();
  s.log(log_level::info, "worker " + s.opt.hostname + " stopped");
  if (fatal) throw *fatal;
}

}  // namespace ferry::celery
