#include "celery/worker_consumer.hpp"

#include <algorithm>
#include <thread>

#include "ferry/celery/protocol/task_request.hpp"

namespace ferry::celery::detail {

using std::chrono::milliseconds;
using sys_clock = std::chrono::system_clock;
using steady = std::chrono::steady_clock;

std::optional<error> worker_consumer::loop() {
  while (!stop_.load()) {
    try {
      step();
    } catch (const error& e) {
      if (!e.is_transient()) {
        // After the graceful stop, run() throws it so the caller can tell a fatal stop from
        // stop() (an app exits non-zero, a supervisor sees).
        w_.log(log_level::error, std::string("worker stopping: ") + e.what());
        stop_.store(true);
        return e;
      }
      w_.log(log_level::warning, std::string("broker error, retrying: ") + e.what());
      std::this_thread::sleep_for(backoff_);
      backoff_ = std::min(backoff_ * 2, milliseconds(5000));
    }
  }
  return std::nullopt;
}

void worker_consumer::step() {
  acks_.clear();  // sent, or (a failed fetch) left to the broker's redelivery
  housekeeping();
  const bool limits_pending = w_.check_limits();
  release_due();
  update_prefetch();
  auto wait = next_wait(limits_pending);
  const std::size_t room = w_.tasks.room(held_.size() >= w_.opt.max_eta_held, wait, acks_);
  if (room == 0) {
    w_.send_acks(acks_);
    w_.broker->flush();  // acks from other threads (AMQP sends them from this thread)
    return;
  }
  // As many as the prefetch window has room for (Redis: one round trip when they are
  // waiting); the early acks ride along. If this fails they are not retried: the broker then
  // redelivers those messages (at-least-once).
  auto got = w_.broker->fetch_many(w_.opt.queues, room, wait, acks_);
  backoff_ = milliseconds(100);
  for (auto& d : got) accept(d);
}

void worker_consumer::housekeeping() {
  if (steady::now() - last_restore_ < w_.opt.restore_interval) return;
  last_restore_ = steady::now();
  if (auto n = w_.broker->maintain(); n > 0)
    w_.log(log_level::warning, "restored " + std::to_string(n) + " unacked message(s)");
}

void worker_consumer::release_due() {
  while (!held_.empty() && held_.top().due <= sys_clock::now()) {
    job j = held_.top().task;
    held_.pop();
    if (!w_.broker->valid(j.delivery_tag)) {
      // The connection that delivered it is gone: the broker redelivers it to someone.
      w_.log(log_level::warning, "Task " + j.request.id + " was requeued by the broker");
      continue;
    }
    // Due now: decided again, since it may have expired while held.
    auto d = on_receive(j.request, true, "", sys_clock::now());
    decide(std::move(j), d);
  }
}

// Celery raises basic.qos by one for every eta message it holds (qos.increment_eventually).
void worker_consumer::update_prefetch() {
  const std::size_t want = w_.opt.prefetch + held_.size();
  if (want == prefetch_sent_) return;
  w_.broker->set_prefetch(want);
  prefetch_sent_ = want;
}

// At most 1 s (stop flag, limits), less when an eta is due sooner; time limits are checked
// between waits: 100 ms resolution while one is running.
milliseconds worker_consumer::next_wait(bool limits_pending) const {
  auto wait = milliseconds(1000);
  if (!held_.empty()) {
    auto until = std::chrono::duration_cast<milliseconds>(held_.top().due - sys_clock::now());
    wait = std::clamp(until, milliseconds(10), wait);
  }
  if (limits_pending) wait = std::min(wait, milliseconds(100));
  return wait;
}

// One fetched message: dead-letter it, hold it (eta), revoke it or hand it to the handlers.
void worker_consumer::accept(broker_delivery& d) {
  if (!d.message) {
    w_.log(log_level::error, "rejected undecodable message from " + d.queue + ": " + d.error);
    reject(d, d.error);
    return;
  }
  job j;
  j.delivery_tag = d.delivery_tag;
  j.origin.queue = d.routing_key.empty() ? d.queue : d.routing_key;
  j.origin.priority = d.message->properties.priority.value_or(0);
  try {
    j.request = protocol::parse_message(*d.message, w_.opt.parse);
  } catch (const std::exception& e) {
    w_.log(log_level::error, "rejected invalid task message from " + d.queue + ": " + e.what());
    reject(d, e.what());
    return;
  }
  auto h = w_.handlers.find(j.request.task);
  const bool registered = h != w_.handlers.end();
  auto decision =
      on_receive(j.request, registered, d.queue + w_.opt.dead_letter_suffix, sys_clock::now());
  if (decision.action == receive_action::reject) {
    w_.carry_out(decision.effects, nullptr);
    reject(d, decision.reason);
    return;
  }
  j.handler = &h->second;
  decide(std::move(j), decision);
}

void worker_consumer::decide(job j, receive_decision& d) {
  switch (d.action) {
    case receive_action::hold: held_.push({*d.run_at, std::move(j)}); return;
    case receive_action::revoke:
      w_.carry_out(d.effects, nullptr);
      w_.safe_ack(j.delivery_tag);
      return;
    case receive_action::run: w_.tasks.push(std::move(j)); return;
    case receive_action::reject: return;  // handled in accept()
  }
}

// A message is acked only after its dead-letter copy is kept: never a silent loss.
void worker_consumer::reject(const broker_delivery& d, const std::string& why) {
  if (w_.dead_letter(d, why) && !d.delivery_tag.empty()) w_.safe_ack(d.delivery_tag);
}

void worker_consumer::drain() {
  while (!held_.empty()) {
    try {
      w_.broker->requeue(held_.top().task.delivery_tag);
    } catch (const std::exception& e) {
      w_.log(log_level::error, std::string("restore on shutdown failed: ") + e.what());
    }
    held_.pop();
  }
  while (!w_.tasks.wait_idle(milliseconds(200))) (void)w_.check_limits();
}

}  // namespace ferry::celery::detail
