#include "ferry/amqp/dead_letters.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

#include "core/fnv1a.hpp"
#include "ferry/amqp/basic_get.hpp"
#include "ferry/amqp/topology.hpp"

namespace ferry::amqp {
namespace {

constexpr std::size_t requeue_batch = 100;

std::optional<std::chrono::sys_seconds> header_time(const table& h, std::string_view name) {
  const auto* v = h.find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* t = std::get_if<timestamp>(&v->value())) return t->time;
  return std::nullopt;
}

std::string id_of(const message& m) {
  if (m.props.message_id && !m.props.message_id->empty()) return *m.props.message_id;
  return dead_message_id(m);
}

dead_message describe(delivery d) {
  dead_message out;
  const table& h = d.msg.props.headers;
  out.id = id_of(d.msg);
  out.error = h.get_string("x-ferry-error");
  out.attempts = h.get_int("x-ferry-attempts").value_or(0);
  out.first_failure = header_time(h, "x-ferry-first-failure");
  out.last_failure = header_time(h, "x-ferry-last-failure");
  out.redelivered = d.redelivered;
  out.msg = std::move(d.msg);
  return out;
}

}  // namespace

std::string dead_message_id(const message& m) {
  ferry::detail::fnv1a64 h;
  h.mix(m.body);
  h.mix(std::string_view("\0", 1));
  if (auto t = header_time(m.props.headers, "x-ferry-first-failure")) {
    h.mix(std::to_string(t->time_since_epoch().count()));
  }
  return h.id();
}

struct dead_letter_queue::impl {
  impl(const url& u, std::string q, dead_letter_options o)
      : work(std::move(q)), dlq(work + ".dlq"), opts(std::move(o)), pub(u, opts.publisher) {}

  std::string work;
  std::string dlq;
  dead_letter_options opts;
  publisher pub;

  connection& c() { return pub.conn(); }

  // Gives back every message this channel holds unsettled; best effort on the error path.
  void give_back_all() noexcept {
    try {
      nack(c(), 0, {.multiple = true, .requeue = true});
    } catch (...) {  // the connection is gone: the broker requeues them by itself
    }
  }

  // The message as it goes back to the work queue: attempts start over. Published mandatory,
  // so a missing work queue is an error (publish_nacked) instead of a silently dropped message.
  static message work_copy(message m) {
    m.props.headers.erase("x-ferry-attempts");
    return m;
  }

  // Takes messages from the head until `id` turns up (or max_scan / the end); the others
  // stay unsettled. Returns the match and the last non-matching tag (0 = none).
  std::pair<std::optional<delivery>, std::uint64_t> find(std::string_view id) {
    std::uint64_t last_other = 0;
    for (std::size_t i = 0; i < opts.max_scan; ++i) {
      auto d = get(c(), dlq);
      if (!d) break;
      if (id_of(d->msg) == id) return {std::move(d), last_other};
      last_other = d->delivery_tag;
    }
    return {std::nullopt, last_other};
  }

  // Settles the found message with `settle` and gives the others back.
  bool act_on(std::string_view id, const std::function<void(const delivery&)>& settle) {
    try {
      auto [found, last_other] = find(id);
      if (found) settle(*found);
      // The match was taken last, so its tag is above every other one: "multiple up to
      // last_other" gives back exactly the others.
      if (last_other != 0) nack(c(), last_other, {.multiple = true, .requeue = true});
      return found.has_value();
    } catch (...) {
      give_back_all();
      throw;
    }
  }
};

dead_letter_queue::dead_letter_queue(const url& address, std::string work_queue,
                                     dead_letter_options options) {
  if (work_queue.empty()) throw std::invalid_argument("dead_letter_queue: empty queue name");
  if (options.max_scan == 0) throw std::invalid_argument("dead_letter_queue: max_scan is 0");
  p_ = std::make_unique<impl>(address, std::move(work_queue), std::move(options));
}

dead_letter_queue::~dead_letter_queue() = default;
dead_letter_queue::dead_letter_queue(dead_letter_queue&&) noexcept = default;
dead_letter_queue& dead_letter_queue::operator=(dead_letter_queue&&) noexcept = default;

const std::string& dead_letter_queue::work_queue() const noexcept {
  return p_->work;
}

const std::string& dead_letter_queue::name() const noexcept {
  return p_->dlq;
}

std::optional<std::uint32_t> dead_letter_queue::depth() {
  if (auto info = inspect_queue(p_->c(), p_->dlq)) return info->message_count;
  return std::nullopt;
}

std::vector<dead_message> dead_letter_queue::peek(std::size_t offset, std::size_t limit) {
  if (limit == 0) throw std::invalid_argument("dead_letter_queue: limit is 0");
  if (offset > p_->opts.max_scan || limit > p_->opts.max_scan - offset) {
    throw std::invalid_argument("dead_letter_queue: offset + limit exceeds max_scan (" +
                                std::to_string(p_->opts.max_scan) + ")");
  }
  std::vector<dead_message> out;
  bool took = false;
  try {
    for (std::size_t i = 0; i < offset + limit; ++i) {
      auto d = get(p_->c(), p_->dlq);
      if (!d) break;
      took = true;
      if (i >= offset) out.push_back(describe(std::move(*d)));
    }
    if (took) nack(p_->c(), 0, {.multiple = true, .requeue = true});
  } catch (...) {
    p_->give_back_all();
    throw;
  }
  return out;
}

std::optional<dead_message> dead_letter_queue::find(std::string_view id) {
  std::optional<dead_message> found;
  p_->act_on(id, [&](const delivery& d) {
    found = describe(d);
    nack(p_->c(), d.delivery_tag, {.requeue = true});
  });
  return found;
}

bool dead_letter_queue::requeue(std::string_view id) {
  return p_->act_on(id, [this](const delivery& d) {
    p_->pub.publish("", p_->work, p_->work_copy(d.msg), {.mandatory = true});
    ack(p_->c(), d.delivery_tag);  // only after the broker confirmed the copy
  });
}

std::size_t dead_letter_queue::requeue_all() {
  // Only what is there now: a message that fails again and comes back meanwhile waits for
  // the next call instead of circling forever.
  const std::size_t present = depth().value_or(0);
  std::size_t moved = 0;
  try {
    while (moved < present) {
      std::uint64_t last = 0;
      std::size_t n = 0;
      while (n < requeue_batch && moved + n < present) {
        auto d = get(p_->c(), p_->dlq);
        if (!d) break;
        p_->pub.publish_async("", p_->work, p_->work_copy(std::move(d->msg)), {.mandatory = true});
        last = d->delivery_tag;
        ++n;
      }
      if (n == 0) break;
      p_->pub.wait_confirms();
      ack(p_->c(), last, true);  // the whole batch, after all its copies were confirmed
      moved += n;
    }
  } catch (...) {
    p_->give_back_all();
    throw;
  }
  return moved;
}

bool dead_letter_queue::remove(std::string_view id) {
  return p_->act_on(id, [this](const delivery& d) { ack(p_->c(), d.delivery_tag); });
}

std::size_t dead_letter_queue::remove_failed_before(std::chrono::sys_seconds cutoff) {
  std::size_t removed = 0;
  bool took = false;
  try {
    for (std::size_t i = 0; i < p_->opts.max_scan; ++i) {
      auto d = get(p_->c(), p_->dlq);
      if (!d) break;
      took = true;
      auto failed = header_time(d->msg.props.headers, "x-ferry-last-failure");
      if (!failed) failed = header_time(d->msg.props.headers, "x-ferry-first-failure");
      if (failed && *failed < cutoff) {
        ack(p_->c(), d->delivery_tag);
        ++removed;
      }
    }
    if (took) nack(p_->c(), 0, {.multiple = true, .requeue = true});  // the ones kept
  } catch (...) {
    p_->give_back_all();
    throw;
  }
  return removed;
}

std::size_t dead_letter_queue::purge() {
  if (!depth()) return 0;
  return purge_queue(p_->c(), p_->dlq);
}

}  // namespace ferry::amqp
