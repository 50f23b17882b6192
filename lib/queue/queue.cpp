#include "ferry/queue/queue.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "ferry/core/checked_time.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/random.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/keys.hpp"
#include "ferry/redis/pipeline.hpp"
#include "queue/loop_helpers.hpp"
#include "queue/scripts.hpp"

namespace ferry::queue {
namespace {

using std::chrono::milliseconds;

// Read back from Redis, where anyone with access may have written any number: clamped.
clock::time_point from_ms(long long ms) {
  return time_from_unix_ms(milliseconds{ms}).value;
}

long long to_ms(clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::optional<std::string> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// A leased job as the reserve scripts return it from e[at]: id, payload, attempts, max,
// priority, enqueued ms, lease end ms, dedup key, last error.
job decode_job(const std::vector<redis::reply>& e, std::size_t at, std::string token) {
  job j;
  j.id = e.at(at).as_string();
  j.payload = e.at(at + 1).as_string();
  j.attempts = static_cast<int>(e.at(at + 2).as_integer());
  j.max_attempts = static_cast<int>(e.at(at + 3).as_integer());
  j.priority = static_cast<int>(e.at(at + 4).as_integer());
  j.enqueued_at = from_ms(e.at(at + 5).as_integer());
  j.lease_until = from_ms(e.at(at + 6).as_integer());
  j.dedup_key = non_empty(e.at(at + 7).as_string());
  j.last_error = non_empty(e.at(at + 8).as_string());
  j.lease_token = std::move(token);
  return j;
}

std::string default_worker_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(::getpid());
}

void validate_name(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("queue: empty name");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) throw std::invalid_argument("queue: invalid character in name \"" + name + "\"");
  }
}

// What a reserve script reports when it leased nothing, so a waiter can sleep until then: the
// next due instant (-1 = nothing due) and the server's clock, both in ms.
struct due_hint {
  long long next_due = -1;
  long long server_now = 0;
};

}  // namespace

std::string make_job_id() {
  return random_hex128();
}

struct queue::impl {
  impl(redis::client& r, std::string n, queue_options o)
      : redis(r), name(std::move(n)), opts(std::move(o)), space(opts.key_prefix, name) {
    for (std::size_t i = 0; i < detail::key_names.size(); ++i) {
      keys[i] = space.key(detail::key_names[i]);
      key_views[i] = keys[i];
    }
    if (opts.worker_id.empty()) opts.worker_id = default_worker_id();
    batch_text = std::to_string(opts.batch);
  }

  redis::reply run(const redis::script& s, std::span<const std::string_view> args) {
    return s.run(redis, key_views, args);
  }
  redis::reply run(redis::connection& c, const redis::script& s,
                   std::span<const std::string_view> args) {
    return s.run(c, key_views, args);
  }

  void register_name() {
    if (registered.load(std::memory_order_relaxed)) return;
    (void)redis.command({"SADD", opts.key_prefix + ":queues", name});
    registered.store(true, std::memory_order_relaxed);
  }

  std::vector<std::string> enqueue_args(std::string_view payload, const enqueue_options& o) {
    if (o.priority < min_priority || o.priority > max_priority) {
      throw std::invalid_argument("queue: priority out of range");
    }
    const int maxa = o.max_attempts.value_or(opts.retry.max_attempts);
    if (maxa < 1) throw std::invalid_argument("queue: max_attempts must be >= 1");
    if (o.dedup_key && o.dedup_key->empty()) {
      throw std::invalid_argument("queue: empty dedup_key");
    }
    if (o.delay && o.delay->count() < 0) throw std::invalid_argument("queue: negative delay");
    return {make_job_id(),
            std::string(payload),
            std::to_string(o.priority),
            std::to_string(maxa),
            std::to_string(o.delay ? o.delay->count() : -1),
            std::to_string(o.run_at ? std::max<long long>(to_ms(*o.run_at), 0) : -1),
            o.dedup_key.value_or("")};
  }

  // One reserve attempt; on no job, fills `hint` (when given).
  std::optional<job> attempt(redis::connection& c, milliseconds lease, due_hint* hint = nullptr) {
    const std::string token = random_hex128();
    const std::string lease_text = std::to_string(lease.count());
    const std::array<std::string_view, 4> args{token, lease_text, opts.worker_id, batch_text};
    auto r = run(c, detail::reserve_script(), args);
    const auto& e = r.elements();
    if (e.at(0).as_integer() == 0) {
      if (hint) *hint = {e.at(1).as_integer(), e.at(2).as_integer()};
      return std::nullopt;
    }
    return decode_job(e, 1, token);
  }

  // One ack_reserve script call (on `c`, or a pooled connection): acks `done`, leases up to
  // `max`. When nothing was leased, fills `hint` (when given) like attempt().
  batch_result ack_reserve(redis::connection* c, std::span<const job> done, std::size_t max,
                           milliseconds lease, due_hint* hint = nullptr) {
    const std::string prefix = random_hex128();
    const std::string lease_text = std::to_string(lease.count());
    const std::string max_text = std::to_string(max);
    const std::string nacks = std::to_string(done.size());
    std::vector<std::string_view> args{prefix,     lease_text, opts.worker_id,
                                       batch_text, max_text,   nacks};
    args.reserve(args.size() + 2 * done.size());
    for (const auto& j : done) {
      args.push_back(j.id);
      args.push_back(j.lease_token);
    }
    auto r =
        c ? run(*c, detail::ack_reserve_script(), args) : run(detail::ack_reserve_script(), args);
    const auto& e = r.elements();
    batch_result out;
    out.acked = static_cast<std::size_t>(e.at(0).as_integer());
    if (hint) *hint = {e.at(1).as_integer(), e.at(2).as_integer()};
    constexpr std::size_t stride = 9;
    out.jobs.reserve((e.size() - 3) / stride);
    for (std::size_t i = 3; i + stride <= e.size(); i += stride) {
      out.jobs.push_back(decode_job(e, i, prefix + ":" + std::to_string(out.jobs.size() + 1)));
    }
    return out;
  }

  // After a reserve script found nothing: BLPOPs the doorbell until `deadline`, or until the
  // next delayed job or lease end falls due (server clock). False when the deadline passed.
  bool wait_ready(redis::connection& c, std::chrono::steady_clock::time_point deadline,
                  const due_hint& hint) {
    const auto remaining =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) return false;
    auto wait = remaining;
    if (hint.next_due >= 0)
      wait = std::min(wait, milliseconds{std::max(hint.next_due - hint.server_now, 0LL) + 1});
    const std::string secs = detail::seconds_text(wait);
    (void)c.command({"BLPOP", keys[detail::notify_key], secs}, wait + c.config().command_timeout);
    return true;
  }

  milliseconds lease_of(std::optional<milliseconds> l) const {
    const auto v = l.value_or(opts.lease);
    if (v.count() <= 0) throw std::invalid_argument("queue: lease must be positive");
    return v;
  }

  redis::reply maintain_reply(std::string_view op) {
    const std::string retention = std::to_string(opts.dlq_retention.count());
    const std::array<std::string_view, 3> args{op, batch_text, retention};
    return run(detail::maintain_script(), args);
  }
  long long maintain(std::string_view op) { return maintain_reply(op).as_integer(); }

  // The maintain script's "next_due": the earliest due instant and the server's clock.
  due_hint next_due() {
    const auto r = maintain_reply("next_due");
    return {r.elements().at(0).as_integer(), r.elements().at(1).as_integer()};
  }

  // Repeats a batched script until a batch comes back short.
  std::size_t drain(const std::function<long long()>& step) {
    std::size_t total = 0;
    for (;;) {
      const auto n = step();
      total += static_cast<std::size_t>(n);
      if (n < static_cast<long long>(opts.batch)) return total;
    }
  }

  std::size_t dead_op(std::string_view op, std::string_view id) {
    const std::array<std::string_view, 3> args{op, id, batch_text};
    return static_cast<std::size_t>(run(detail::dead_op_script(), args).as_integer());
  }

  redis::client& redis;
  std::string name;
  queue_options opts;
  redis::key_space space;
  std::array<std::string, detail::key_names.size()> keys;
  std::array<std::string_view, detail::key_names.size()> key_views;
  std::string batch_text;
  std::atomic<bool> registered{false};
  std::mutex rng_mutex;
  std::mt19937_64 rng{std::random_device{}()};
};

queue::queue(redis::client& redis, std::string name, queue_options options) {
  validate_name(name);
  options.retry.validate();
  if (options.lease.count() <= 0) throw std::invalid_argument("queue: lease must be positive");
  if (options.batch == 0) throw std::invalid_argument("queue: batch must be >= 1");
  if (options.dlq_retention.count() < 0) {
    throw std::invalid_argument("queue: negative dlq_retention");
  }
  impl_ = std::make_unique<impl>(redis, std::move(name), std::move(options));
}

queue::~queue() = default;

const std::string& queue::name() const noexcept {
  return impl_->name;
}
const queue_options& queue::options() const noexcept {
  return impl_->opts;
}

std::string queue::enqueue(std::string_view payload, const enqueue_options& opts) {
  impl_->register_name();
  const auto args = impl_->enqueue_args(payload, opts);
  const std::array<std::string_view, 7> views{args[0], args[1], args[2], args[3],
                                              args[4], args[5], args[6]};
  return impl_->run(detail::enqueue_script(), views).elements().at(0).as_string();
}

std::vector<std::string> queue::enqueue_many(std::span<const std::string> payloads,
                                             const enqueue_options& opts) {
  if (payloads.empty()) return {};
  impl_->register_name();
  redis::pipeline p;
  for (const auto& payload : payloads) {
    const auto args = impl_->enqueue_args(payload, opts);
    const std::array<std::string_view, 7> views{args[0], args[1], args[2], args[3],
                                                args[4], args[5], args[6]};
    p.add(detail::enqueue_script(), impl_->key_views, views);
  }
  auto replies = impl_->redis.exec(p);
  std::vector<std::string> ids;
  ids.reserve(replies.size());
  for (auto& r : replies) {
    r.throw_if_error();
    ids.push_back(r.elements().at(0).as_string());
  }
  return ids;
}

std::optional<job> queue::reserve(milliseconds timeout, std::optional<milliseconds> lease) {
  const auto lease_ms = impl_->lease_of(lease);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // One connection for the whole wait: the script and the BLPOP alternate on it.
  auto conn = impl_->redis.acquire();
  for (;;) {
    due_hint hint;
    if (auto j = impl_->attempt(*conn, lease_ms, &hint)) return j;
    if (!impl_->wait_ready(*conn, deadline, hint)) return std::nullopt;
  }
}

std::vector<job> queue::reserve_many(std::size_t max, milliseconds timeout,
                                     std::optional<milliseconds> lease) {
  if (max == 0) throw std::invalid_argument("queue: reserve_many max must be >= 1");
  const auto lease_ms = impl_->lease_of(lease);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto conn = impl_->redis.acquire();
  for (;;) {
    due_hint hint;
    auto r = impl_->ack_reserve(&*conn, {}, max, lease_ms, &hint);
    if (!r.jobs.empty()) return std::move(r.jobs);
    if (!impl_->wait_ready(*conn, deadline, hint)) return {};
  }
}

std::vector<job> queue::try_reserve_many(std::size_t max, std::optional<milliseconds> lease) {
  if (max == 0) throw std::invalid_argument("queue: reserve_many max must be >= 1");
  return impl_->ack_reserve(nullptr, {}, max, impl_->lease_of(lease)).jobs;
}

std::size_t queue::ack_many(std::span<const job> done) {
  if (done.empty()) return 0;
  return impl_->ack_reserve(nullptr, done, 0, impl_->opts.lease).acked;
}

batch_result queue::ack_and_reserve(std::span<const job> done, std::size_t max,
                                    std::optional<milliseconds> lease) {
  return impl_->ack_reserve(nullptr, done, max, impl_->lease_of(lease));
}

std::optional<job> queue::try_reserve(std::optional<milliseconds> lease) {
  const auto lease_ms = impl_->lease_of(lease);
  auto conn = impl_->redis.acquire();
  return impl_->attempt(*conn, lease_ms);
}

bool queue::extend(job& j, std::optional<milliseconds> lease) {
  const std::string lease_text = std::to_string(impl_->lease_of(lease).count());
  const std::array<std::string_view, 3> args{j.id, j.lease_token, lease_text};
  const auto until = impl_->run(detail::extend_script(), args).as_integer();
  if (until < 0) return false;
  j.lease_until = from_ms(until);
  return true;
}

bool queue::ack(const job& j) {
  const std::array<std::string_view, 2> args{j.id, j.lease_token};
  return impl_->run(detail::ack_script(), args).as_integer() == 1;
}

namespace {
fail_result parse_fail(const redis::reply& r) {
  const auto& e = r.elements();
  switch (e.at(0).as_integer()) {
    case 1: return {fail_outcome::retry_scheduled, from_ms(e.at(1).as_integer())};
    case 2: return {fail_outcome::dead_lettered, std::nullopt};
    default: return {fail_outcome::lease_lost, std::nullopt};
  }
}
}  // namespace

fail_result queue::fail(const job& j, std::string_view error) {
  milliseconds delay{0};
  {
    std::lock_guard lock{impl_->rng_mutex};
    delay = impl_->opts.retry.delay_for(j.attempts, impl_->rng);
  }
  const std::string delay_text = std::to_string(delay.count());
  const std::array<std::string_view, 5> args{j.id, j.lease_token, error, delay_text, "0"};
  return parse_fail(impl_->run(detail::fail_script(), args));
}

fail_result queue::fail_permanently(const job& j, std::string_view error) {
  const std::array<std::string_view, 5> args{j.id, j.lease_token, error, "0", "1"};
  return parse_fail(impl_->run(detail::fail_script(), args));
}

std::size_t queue::promote_due() {
  return impl_->drain([this] { return impl_->maintain("promote"); });
}

std::size_t queue::recover_stale() {
  return impl_->drain([this] { return impl_->maintain("recover"); });
}

std::size_t queue::trim_dead() {
  return impl_->drain([this] { return impl_->maintain("trim"); });
}

std::optional<clock::time_point> queue::next_due() {
  const auto d = impl_->next_due();
  if (d.next_due < 0) return std::nullopt;
  return from_ms(d.next_due);
}

std::optional<milliseconds> queue::until_next_due() {
  const auto d = impl_->next_due();
  if (d.next_due < 0) return std::nullopt;
  return milliseconds{std::max(d.next_due - d.server_now, 0LL)};
}

const std::string& queue::wake_key() const noexcept {
  return impl_->keys[detail::wake_key];
}

redis::client& queue::client() const noexcept {
  return impl_->redis;
}

std::int64_t queue::dead_count() {
  return impl_->redis.command({"ZCARD", impl_->keys[6]}).as_integer();
}

std::vector<dead_letter> queue::list_dead(std::size_t offset, std::size_t limit) {
  if (limit == 0) return {};
  const std::string off = std::to_string(offset);
  const std::string lim = std::to_string(limit);
  const std::array<std::string_view, 2> args{off, lim};
  const auto r = impl_->run(detail::dead_list_script(), args);
  const auto& e = r.elements();
  constexpr std::size_t stride = 13;
  std::vector<dead_letter> out;
  for (std::size_t i = 0; i + stride <= e.size(); i += stride) {
    dead_letter d;
    d.id = e[i].as_string();
    d.payload = e[i + 1].as_string();
    d.queue = impl_->name;
    d.error = e[i + 2].as_string();
    d.worker = e[i + 3].as_string();
    d.attempts = static_cast<int>(e[i + 4].as_integer());
    d.max_attempts = static_cast<int>(e[i + 5].as_integer());
    d.priority = static_cast<int>(e[i + 6].as_integer());
    d.enqueued_at = from_ms(e[i + 7].as_integer());
    d.first_failure = from_ms(e[i + 8].as_integer());
    d.last_failure = from_ms(e[i + 9].as_integer());
    d.dead_at = from_ms(e[i + 10].as_integer());
    if (e[i + 12].as_integer() == 1) d.dedup_key = e[i + 11].as_string();
    out.push_back(std::move(d));
  }
  return out;
}

std::optional<dead_letter> queue::find_dead(std::string_view id) {
  if (id.empty()) throw std::invalid_argument("queue: empty job id");
  // list_dead() pages newest first, so the letter is at its reverse rank. Two round trips:
  // a letter dead-lettered in between shifts the rank, which the id check catches.
  for (int tries = 0; tries < 3; ++tries) {
    const auto rank = impl_->redis.command({"ZREVRANK", impl_->keys[6], std::string(id)});
    if (rank.is_nil()) return std::nullopt;
    auto page = list_dead(static_cast<std::size_t>(rank.as_integer()), 1);
    if (!page.empty() && page.front().id == id) return std::move(page.front());
  }
  return std::nullopt;
}

bool queue::requeue_dead(std::string_view id) {
  if (id.empty()) throw std::invalid_argument("queue: empty job id");
  return impl_->dead_op("requeue", id) == 1;
}

std::size_t queue::requeue_all_dead() {
  return impl_->drain([this] { return static_cast<long long>(impl_->dead_op("requeue", "")); });
}

bool queue::delete_dead(std::string_view id) {
  if (id.empty()) throw std::invalid_argument("queue: empty job id");
  return impl_->dead_op("delete", id) == 1;
}

std::size_t queue::purge_dead() {
  return impl_->drain([this] { return static_cast<long long>(impl_->dead_op("delete", "")); });
}

queue_stats queue::stats() {
  const auto r = impl_->run(detail::stats_script(), {});
  const auto& e = r.elements();
  queue_stats s;
  s.ready = e.at(0).as_integer();
  s.in_flight = e.at(1).as_integer();
  s.scheduled = e.at(2).as_integer();
  s.dead = e.at(3).as_integer();
  const auto& counters = e.at(4).elements();
  for (std::size_t i = 0; i + 1 < counters.size(); i += 2) {
    const auto& k = counters[i].as_string();
    const auto v = std::stoll(counters[i + 1].as_string());
    if (k == "enqueued")
      s.enqueued = v;
    else if (k == "processed")
      s.processed = v;
    else if (k == "failed")
      s.failed = v;
    else if (k == "retried")
      s.retried = v;
    else if (k == "recovered")
      s.recovered = v;
    else if (k == "dead_lettered")
      s.dead_lettered = v;
  }
  return s;
}

void queue::destroy() {
  std::vector<std::string_view> args{"DEL"};
  args.insert(args.end(), impl_->key_views.begin(), impl_->key_views.end());
  (void)impl_->redis.command(std::span<const std::string_view>(args));
  (void)impl_->redis.command({"SREM", impl_->opts.key_prefix + ":queues", impl_->name});
  impl_->registered.store(false, std::memory_order_relaxed);
}

std::vector<std::string> known_queues(redis::client& redis, std::string_view key_prefix) {
  auto r = redis.command({"SMEMBERS", std::string(key_prefix) + ":queues"});
  std::vector<std::string> names;
  for (auto& e : std::move(r).elements()) names.push_back(std::move(e).as_string());
  std::sort(names.begin(), names.end());
  return names;
}

bool is_known_queue(redis::client& redis, std::string_view name, std::string_view key_prefix) {
  return redis.command({"SISMEMBER", std::string(key_prefix) + ":queues", name}).as_integer() == 1;
}

std::map<std::string, std::int64_t> dead_counts(redis::client& redis, std::string_view key_prefix) {
  const auto names = known_queues(redis, key_prefix);
  redis::pipeline p;
  for (const auto& n : names) {
    p.add({"ZCARD", redis::key_space(std::string(key_prefix), n).key("dead")});
  }
  std::map<std::string, std::int64_t> out;
  if (names.empty()) return out;
  const auto replies = redis.exec(p);
  for (std::size_t i = 0; i < names.size(); ++i) out[names[i]] = replies[i].as_integer();
  return out;
}

}  // namespace ferry::queue
