#include "celery/worker_source.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <thread>
#include <utility>

#include "ferry/celery/protocol/task_request.hpp"

namespace ferry::celery::detail {

using std::chrono::milliseconds;
using sys_clock = std::chrono::system_clock;
using steady = std::chrono::steady_clock;

namespace {

// The handlers' view of a task: the delivery tag as its id, the task itself in `native`.
delivery to_delivery(job&& j) {
  delivery d;
  d.id = j.delivery_tag;
  d.queue = j.origin.queue;
  d.attempt = static_cast<int>(std::clamp<std::int64_t>(j.request.retries, 0, 1 << 30)) + 1;
  d.native = std::make_shared<job>(std::move(j));
  return d;
}

}  // namespace

std::vector<delivery> worker_source::exchange(std::vector<settlement>& done, std::size_t want,
                                              milliseconds wait) {
  try {
    return round_trip(done, want, wait);
  } catch (const error& e) {
    if (!e.is_transient()) {
      // run() stops the worker gracefully, then throws it so the caller can tell a fatal stop
      // from stop() (an app exits non-zero, a supervisor sees).
      std::lock_guard lk(fatal_mu_);
      if (!fatal_) fatal_ = e;
    }
    throw;
  }
}

std::vector<delivery> worker_source::round_trip(std::vector<settlement>& done, std::size_t want,
                                                milliseconds wait) {
  settle(done);
  std::vector<delivery> out;
  if (want > 0) release_due(out);
  update_prefetch();
  const bool held_full = held_.size() >= w_.opt.max_eta_held;
  const std::size_t room = held_full || out.size() >= want ? 0 : want - out.size();
  if (room == 0) {
    if (!acks_.empty()) {
      w_.broker->ack_many(acks_);
      acks_.clear();
    }
    w_.broker->flush();
    // Nothing may be fetched: wait here (not spin) until the next eta is due.
    if (out.empty() && want > 0) std::this_thread::sleep_for(until_next_due(wait));
    unsettled_ += out.size();
    return out;
  }
  // As many as there is room for (Redis: one round trip when they are waiting); the acks ride
  // along. If this fails they stay for the next call (an ack sent twice is harmless: Redis
  // removes nothing twice, RabbitMQ's tags of a lost connection are dropped unsent).
  // Blocking is only worth it when the broker may send something: with every message of its
  // prefetch window handed out and not acked yet, it sends nothing until those acks arrive,
  // which come with the next call (basic.qos on RabbitMQ).
  const bool may_block = out.empty() && unsettled_ < w_.opt.prefetch;
  auto got = w_.broker->fetch_many(w_.opt.queues, room,
                                   may_block ? until_next_due(wait) : milliseconds(0), acks_);
  acks_.clear();
  for (auto& d : got) accept(d, out);
  unsettled_ += out.size();
  return out;
}

// Acks (early or late) join the next fetch; anything else the runtime decided gives the
// message back to its queue.
void worker_source::settle(std::vector<settlement>& done) {
  if (done.empty()) return;
  bool acked = false;
  unsettled_ -= std::min(unsettled_, done.size());
  for (auto& s : done) {
    if (acked_at_limit_.erase(s.what.id) > 0) continue;
    if (s.verdict.what() == outcome::kind::retry) {
      w_.broker->requeue(s.what.id);
      continue;
    }
    acks_.push_back(std::move(s.what.id));
    acked = true;
  }
  done.clear();
  // A late ack must not overtake the result it vouches for.
  if (acked && w_.opt.acks_late) w_.finisher.sync();
}

void worker_source::release_due(std::vector<delivery>& out) {
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
    decide(std::move(j), d, out);
  }
}

// Celery raises basic.qos by one for every eta message it holds (qos.increment_eventually).
void worker_source::update_prefetch() {
  const std::size_t want = w_.opt.prefetch + held_.size();
  if (want == prefetch_sent_) return;
  w_.broker->set_prefetch(want);
  prefetch_sent_ = want;
}

// `wait`, shortened to when the next held eta is due.
milliseconds worker_source::until_next_due(milliseconds wait) const {
  if (held_.empty()) return wait;
  auto until = std::chrono::duration_cast<milliseconds>(held_.top().due - sys_clock::now());
  return std::clamp(until, milliseconds(1), wait);
}

// One fetched message: dead-letter it, hold it (eta), revoke it or hand it to the handlers.
void worker_source::accept(broker_delivery& d, std::vector<delivery>& out) {
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
  decide(std::move(j), decision, out);
}

void worker_source::decide(job j, receive_decision& d, std::vector<delivery>& out) {
  switch (d.action) {
    case receive_action::hold: held_.push({*d.run_at, std::move(j)}); return;
    case receive_action::revoke:
      w_.carry_out(d.effects, nullptr);
      acks_.push_back(std::move(j.delivery_tag));
      return;
    case receive_action::run: out.push_back(to_delivery(std::move(j))); return;
    case receive_action::reject: return;  // handled in accept()
  }
}

// A message is acked only after its dead-letter copy is kept: never a silent loss.
void worker_source::reject(const broker_delivery& d, const std::string& why) {
  if (w_.dead_letter(d, why) && !d.delivery_tag.empty()) acks_.push_back(d.delivery_tag);
}

void worker_source::upkeep() {
  check_limits();
  if (steady::now() - last_restore_ < w_.opt.restore_interval) return;
  last_restore_ = steady::now();
  if (auto n = w_.broker->maintain(); n > 0)
    w_.log(log_level::warning, "restored " + std::to_string(n) + " unacked message(s)");
}

// Time limits are checked this often (soft flags, hard limits), so upkeep runs at least so.
milliseconds worker_source::upkeep_interval() const {
  return std::min(milliseconds(100), w_.opt.restore_interval);
}

// A hard limit: FAILURE stored, the message acked at once (the process may end next; an
// early-acked one was acked as it started), then on_hard_time_limit.
void worker_source::check_limits() {
  std::vector<time_limit_watch::over_limit> over;
  (void)w_.limits.check(over);
  for (const auto& o : over) {
    auto effects = on_hard_time_limit(o.id, o.limit, sys_clock::now());
    w_.carry_out(effects, nullptr);
    if (w_.opt.acks_late) {
      w_.safe_ack(o.delivery_tag);
      acked_at_limit_.insert(o.delivery_tag);
      try {
        w_.broker->flush();  // the ack must be on the wire
      } catch (const std::exception& e) {
        w_.log(log_level::error, std::string("ack before exit failed: ") + e.what());
      }
    }
    if (w_.opt.on_hard_time_limit)
      w_.opt.on_hard_time_limit();
    else
      std::_Exit(70);
  }
}

void worker_source::drain() {
  while (!held_.empty()) {
    try {
      w_.broker->requeue(held_.top().task.delivery_tag);
    } catch (const std::exception& e) {
      w_.log(log_level::error, std::string("restore on shutdown failed: ") + e.what());
    }
    held_.pop();
  }
}

std::optional<error> worker_source::fatal() const {
  std::lock_guard lk(fatal_mu_);
  return fatal_;
}

}  // namespace ferry::celery::detail
