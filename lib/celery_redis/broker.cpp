// kombu 5.2.4 transport/redis.py, reproduced command for command (see
// ferry/celery/redis/broker.hpp).
#include "ferry/celery/redis/broker.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/celery/protocol/json.hpp"
#include "ferry/celery/protocol/task_request.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/random.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::celery::redis {

using namespace ferry::celery::protocol;
namespace {

// redis-py's Lock.release: delete the lock only if we still own it.
const ferry::redis::script& release_lock_script() {
  static const ferry::redis::script s{
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
      "else return 0 end"};
  return s;
}

// First acks the delivery tags in ARGV[3..] (as ack_many), then pops up to ARGV[2] messages
// from the lists in KEYS[3..] (kombu's poll order) and records each
// valid envelope exactly as kombu's QoS.append does (ZADD unacked_index <now> <tag>, HSET unacked
// <tag> [envelope, exchange, routing_key]), atomically: no message is ever popped but not
// recorded. Returns a flat array: list, text, tag ("" = not recorded: not a kombu envelope).
// The unacked value embeds the popped text as is (kombu re-dumps the same dict; readers parse
// it, so only the JSON matters).
const ferry::redis::script& fetch_script() {
  static const ferry::redis::script s{R"lua(
for i = 3, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
local out, want = {}, tonumber(ARGV[2]) * 3
for i = 3, #KEYS do
  while #out < want do
    local raw = redis.call('RPOP', KEYS[i])
    if not raw then break end
    local tag = ''
    local ok, env = pcall(cjson.decode, raw)
    if ok and type(env) == 'table' and type(env.properties) == 'table' then
      local p = env.properties
      if type(p.delivery_tag) == 'string' and p.delivery_tag ~= '' then
        tag = p.delivery_tag
        local di = type(p.delivery_info) == 'table' and p.delivery_info or {}
        local ex = type(di.exchange) == 'string' and di.exchange or ''
        local rk = type(di.routing_key) == 'string' and di.routing_key or ''
        redis.call('ZADD', KEYS[1], ARGV[1], tag)
        redis.call('HSET', KEYS[2], tag,
                   '[' .. raw .. ', ' .. cjson.encode(ex) .. ', ' .. cjson.encode(rk) .. ']')
      end
    end
    out[#out + 1] = KEYS[i]
    out[#out + 1] = raw
    out[#out + 1] = tag
  end
end
return out
)lua"};
  return s;
}

// With several queues to watch, how long one blocking wait on the first queue's list lasts
// before the other lists are looked at.
constexpr std::chrono::milliseconds multi_list_slice{200};

// Blocks up to `timeout` (at least 10 ms) until `list` has an element, leaving it in place:
// BLMOVE list list RIGHT RIGHT pops the tail and pushes it back to the tail in one atomic
// command (Redis >= 6.2); older servers get BRPOPLPUSH list list, which rotates the tail to
// the head (the same list: only the order of messages that arrived together can change).
// True when an element was there.
bool wait_until_not_empty(ferry::redis::client& client, const std::string& list,
                          std::chrono::milliseconds timeout) {
  static std::atomic<bool> no_blmove{false};
  char secs[32];
  std::snprintf(
      secs, sizeof secs, "%.3f",
      static_cast<double>(std::max(timeout, std::chrono::milliseconds(10)).count()) / 1000.0);
  auto conn = client.acquire();
  const auto bound = timeout + std::chrono::seconds(5);
  if (!no_blmove) {
    auto r = conn->command({"BLMOVE", list, list, "RIGHT", "RIGHT", secs}, bound);
    if (!r.is_error()) return !r.is_nil();
    if (r.error_message().find("unknown command") == std::string::npos) r.throw_if_error();
    no_blmove = true;
  }
  auto r = conn->command({"BRPOPLPUSH", list, list, secs}, bound);
  r.throw_if_error();
  return !r.is_nil();
}

std::string unix_seconds_now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", std::chrono::duration<double>(now).count());
  return buf;
}

}  // namespace

// wait_for_reply = false: the publishing connection and the commands written on it (or to be
// written again after a failure) whose replies have not been read, oldest first. Each command
// has one reply, so the replies read pair off with the front of `pending`.
struct broker::unreplied_state {
  struct command {
    std::string queue;  // named in the error of a refused command
    std::vector<std::string> args;
  };
  std::mutex mu;
  std::optional<ferry::redis::lease> conn;
  std::set<std::string, std::less<>> bound;  // queues whose binding `conn` has been sent
  std::deque<command> pending;
  std::size_t written = 0;  // the first `written` of `pending` are on `conn`

  // Writes what is not on `conn` yet (all of `pending` on a new connection).
  void write(ferry::redis::client& client) {
    if (!conn) {
      conn.emplace(client.acquire());
      written = 0;
    }
    for (; written < pending.size(); ++written) {
      const auto& a = pending[written].args;
      const std::vector<std::string_view> args(a.begin(), a.end());
      (*conn)->append(args);
    }
    (*conn)->flush();
  }

  // Reads replies: blocking while more than `most` commands wait for theirs, then (with
  // `arrived`) those already here. Throws server_error for the first refused command once
  // they are read (a refused one is dropped: Redis would refuse it again).
  void read(std::size_t most, bool arrived) {
    std::string refused;
    while (written > 0) {
      std::optional<ferry::redis::reply> r;
      if (pending.size() > most)
        r = (*conn)->read_reply();
      else if (arrived)
        r = (*conn)->try_read_reply(std::chrono::milliseconds{0});
      if (!r) break;
      const std::string queue = std::move(pending.front().queue);
      pending.pop_front();
      --written;
      if (r->is_error() && refused.empty())
        refused = "a task message for queue '" + queue + "' was not queued: " + r->error_message();
    }
    if (!refused.empty()) throw error(errc::server_error, refused);
  }

  // write() then read(); a broken connection is dropped, its commands kept to be written
  // again on the next.
  void send(ferry::redis::client& client, std::size_t most, bool arrived) {
    try {
      write(client);
      read(most, arrived);
    } catch (const error&) {
      if (conn && (*conn)->is_broken()) {
        conn.reset();
        written = 0;
        bound.clear();
      }
      throw;
    }
  }
};

broker::broker(std::shared_ptr<ferry::redis::client> client, transport_options options)
    : client_(std::move(client)), options_(std::move(options)) {
  if (!client_) throw std::invalid_argument("celery::redis::broker: null client");
  if (!options_.wait_for_reply) {
    if (options_.max_unreplied == 0)
      throw std::invalid_argument("celery::redis::broker: max_unreplied must be >= 1");
    unreplied_ = std::make_unique<unreplied_state>();
  }
}

broker::~broker() = default;

void broker::write_unreplied(std::vector<list_text> texts) {
  auto& u = *unreplied_;
  std::lock_guard lk(u.mu);
  const std::size_t before = u.pending.size();
  for (auto& t : texts) {
    if (u.bound.insert(std::string(t.queue)).second) {
      u.pending.push_back({std::string(t.queue), binding_command(t.queue)});
    }
    u.pending.push_back({std::string(t.queue), {"LPUSH", std::move(t.list), std::move(t.text)}});
  }
  // Replies are looked for once a few dozen are due (one recv takes them all); beyond
  // max_unreplied the oldest are waited for.
  try {
    u.send(*client_, options_.max_unreplied, u.pending.size() >= 64);
    return;
  } catch (const error& e) {
    if (!e.is_transient()) throw;  // an earlier message refused; these are on their way
  }
  // The connection broke: everything still without a reply is written again on a new one.
  // If that fails too, this call's messages are not taken (the caller sees the error and
  // may send them again); earlier ones stay pending for the next call.
  try {
    u.send(*client_, options_.max_unreplied, false);
  } catch (const error& e) {
    if (e.is_transient() && !u.conn) {
      u.pending.erase(u.pending.begin() + static_cast<std::ptrdiff_t>(before), u.pending.end());
      u.bound.clear();
    }
    throw;
  }
}

void broker::wait_replies() {
  if (!unreplied_) return;
  auto& u = *unreplied_;
  std::lock_guard lk(u.mu);
  if (!u.pending.empty()) u.send(*client_, 0, false);
}

std::vector<std::string> broker::binding_command(std::string_view queue) const {
  return {"SADD", key(kombu_redis_binding_key(queue)),
          kombu_redis_binding_member(queue, "", queue)};
}

std::string broker::key(std::string_view name) const {
  std::string k = options_.global_keyprefix;
  k += name;
  return k;
}

void broker::publish(const task_message& message, std::string_view queue, int priority) {
  if (queue.empty()) throw std::invalid_argument("broker::publish: empty queue");
  std::string tag = new_task_id();
  std::string text = to_kombu_redis_json(message, "", queue, tag);
  if (unreplied_) {
    std::vector<list_text> one;
    one.push_back({queue, key(kombu_redis_queue_for_priority(queue, priority)), std::move(text)});
    return write_unreplied(std::move(one));
  }
  // Celery declares its queue before publishing: the binding lets kombu tools (and a worker's
  // queue lookup on a named exchange) see it. Celery itself publishes to the anon exchange.
  ferry::redis::pipeline p;
  p.add(binding_command(queue));
  p.add({"LPUSH", key(kombu_redis_queue_for_priority(queue, priority)), text});
  for (const auto& r : client_->exec(p)) r.throw_if_error();
}

namespace {

broker_delivery to_broker_delivery(list_delivery&& d) {
  broker_delivery out;
  // kombu's priority lists are `<queue>\x06\x16<digit>`: the base queue is before the separator.
  const auto pos = d.list.find(kombu_redis_sep);
  out.queue = pos == std::string::npos ? d.list : d.list.substr(0, pos);
  out.raw = std::move(d.raw);
  if (!d.delivery) {
    out.error = std::move(d.error);
    return out;
  }
  out.delivery_tag = std::move(d.delivery->delivery_tag);
  out.routing_key = std::move(d.delivery->routing_key);
  out.redelivered = d.delivery->redelivered;
  out.message = std::move(d.delivery->message);
  return out;
}

}  // namespace

std::optional<broker_delivery> broker::fetch(const std::vector<std::string>& queues,
                                             std::chrono::milliseconds wait) {
  auto d = get(queues, wait);
  if (!d) return std::nullopt;
  return to_broker_delivery(std::move(*d));
}

std::vector<broker_delivery> broker::fetch_many(const std::vector<std::string>& queues,
                                                std::size_t max, std::chrono::milliseconds wait,
                                                std::span<const std::string> ack_first) {
  auto got = get_many(queues, max, wait, ack_first);
  std::vector<broker_delivery> out;
  out.reserve(got.size());
  for (auto& d : got) out.push_back(to_broker_delivery(std::move(d)));
  return out;
}

void broker::dead_letter(const broker_delivery& d, std::string_view error,
                         std::string_view suffix) {
  std::string list{d.queue};
  list += suffix;
  push_raw(list, python_json_dumps(dead_letter_entry(error, d.queue, d.raw)));
}

void broker::publish_many(std::span<const outgoing_message> messages) {
  std::vector<std::string> texts, lists;
  texts.reserve(messages.size());
  lists.reserve(messages.size());
  for (const auto& m : messages) {
    if (!m.message) throw std::invalid_argument("broker::publish_many: null message");
    if (m.queue.empty()) throw std::invalid_argument("broker::publish_many: empty queue");
    texts.push_back(to_kombu_redis_json(*m.message, "", m.queue, new_task_id()));
    lists.push_back(key(kombu_redis_queue_for_priority(m.queue, m.priority)));
  }
  if (unreplied_) {
    std::vector<list_text> out;
    out.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i)
      out.push_back({messages[i].queue, std::move(lists[i]), std::move(texts[i])});
    return write_unreplied(std::move(out));
  }
  ferry::redis::pipeline p;
  std::vector<std::string_view> bound;
  for (const auto& m : messages) {
    if (std::find(bound.begin(), bound.end(), m.queue) != bound.end()) continue;
    bound.push_back(m.queue);
    p.add(binding_command(m.queue));
  }
  // One LPUSH per run of messages bound for the same list: LPUSH k a b c == LPUSH a, b, c.
  std::vector<std::string_view> args;
  for (std::size_t i = 0; i < texts.size();) {
    args.assign({"LPUSH", lists[i]});
    std::size_t j = i;
    for (; j < texts.size() && lists[j] == lists[i]; ++j) args.push_back(texts[j]);
    p.add(std::span<const std::string_view>(args));
    i = j;
  }
  if (p.empty()) return;
  for (const auto& r : client_->exec(p)) r.throw_if_error();
}

void broker::push_raw(std::string_view list, std::string_view envelope) {
  client_->command({"LPUSH", key(list), envelope}).throw_if_error();
}

bool broker::decode(list_delivery& d) {
  try {
    d.delivery = from_kombu_redis_json(d.raw);
    if (d.delivery->delivery_tag.empty())
      throw error(errc::decode_error, "envelope has no properties.delivery_tag");
    return true;
  } catch (const std::exception& e) {
    d.delivery.reset();
    d.error = e.what();
    return false;
  }
}

std::optional<list_delivery> broker::get(const std::vector<std::string>& queues,
                                         std::chrono::milliseconds wait) {
  // At least 10 ms: get() has always blocked (as kombu's BRPOP does), never merely polled.
  auto got = get_many(queues, 1, std::max(wait, std::chrono::milliseconds(10)));
  if (got.empty()) return std::nullopt;
  return std::move(got.front());
}

std::vector<list_delivery> broker::get_many(const std::vector<std::string>& queues, std::size_t max,
                                            std::chrono::milliseconds wait,
                                            std::span<const std::string> ack_first) {
  if (queues.empty()) throw std::invalid_argument("broker::get_many: no queues");
  if (max == 0) throw std::invalid_argument("broker::get_many: max 0");
  // kombu orders the keys priority-first: q1 q2 ... q1\x06\x163 q2\x06\x163 ...
  std::vector<std::string> lists(4 * queues.size());
  for (std::size_t i = 0; i < queues.size(); ++i) {
    auto names = kombu_redis_priority_queues(queues[i]);
    for (std::size_t step = 0; step < names.size(); ++step)
      lists[step * queues.size() + i] = key(names[step]);
  }
  const std::string index_key = key(options_.unacked_index_key);
  const std::string hash_key = key(options_.unacked_key);
  // Pops and records in ONE script: a message is always in its list or in `unacked`, so no
  // crash of this process or of Redis can lose it.
  const auto fetch_ready = [&](std::span<const std::string> acks) {
    std::vector<list_delivery> out;
    std::vector<std::string_view> keys{index_key, hash_key};
    keys.insert(keys.end(), lists.begin(), lists.end());
    const std::string now = unix_seconds_now(), count = std::to_string(max);
    std::vector<std::string_view> args{now, count};
    args.insert(args.end(), acks.begin(), acks.end());
    auto r = fetch_script().run(*client_, keys, args);
    r.throw_if_error();
    const auto& el = r.elements();
    if (el.size() % 3 != 0) throw error(errc::protocol_error, "fetch script: unexpected reply");
    // Rare repairs: a text the script recorded but ferry cannot read is dropped from the
    // unacked records (the caller dead-letters it); one ferry reads but the script did not
    // record (an odd delivery_tag type) is recorded the old way.
    std::vector<std::string> drop;
    for (std::size_t i = 0; i < el.size(); i += 3) {
      list_delivery d;
      d.list = el[i].as_string().substr(options_.global_keyprefix.size());
      d.raw = el[i + 1].as_string();
      const std::string& recorded = el[i + 2].as_string();
      const bool ok = decode(d);
      if (!ok && !recorded.empty()) drop.push_back(recorded);
      if (ok && recorded != d.delivery->delivery_tag) {
        if (!recorded.empty()) drop.push_back(recorded);
        record_unacked(d);
      }
      out.push_back(std::move(d));
    }
    if (!drop.empty()) ack_many(drop);
    return out;
  };
  auto out = fetch_ready(ack_first);
  if (!out.empty() || wait.count() <= 0) return out;
  // Nothing waiting: block until a message arrives, WITHOUT taking it (kombu's BRPOP takes it
  // and records it in a second command; a consumer killed between the two, or a Redis that
  // dies between them, loses that message), then fetch with the script. BLMOVE cannot watch
  // several lists, so it watches the base list of the first queue, where tasks of the default
  // priority arrive; with other lists to serve it wakes every `multi_list_slice` to look at
  // them too.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const std::string& watched = lists[0];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    (void)wait_until_not_empty(*client_, watched,
                               queues.size() == 1 ? left : std::min(left, multi_list_slice));
    out = fetch_ready({});
    if (!out.empty()) return out;
  }
}

void broker::record_unacked(const list_delivery& d) {
  // kombu QoS.append: one MULTI with ZADD unacked_index + HSET unacked.
  ferry::redis::pipeline p;
  p.add({"MULTI"});
  p.add({"ZADD", key(options_.unacked_index_key), unix_seconds_now(), d.delivery->delivery_tag});
  p.add({"HSET", key(options_.unacked_key), d.delivery->delivery_tag,
         kombu_redis_unacked_value(d.raw, d.delivery->exchange, d.delivery->routing_key)});
  p.add({"EXEC"});
  client_->exec(p).back().throw_if_error();
}

void broker::ack(std::string_view delivery_tag) {
  ferry::redis::pipeline p;
  p.add({"MULTI"});
  p.add({"ZREM", key(options_.unacked_index_key), delivery_tag});
  p.add({"HDEL", key(options_.unacked_key), delivery_tag});
  p.add({"EXEC"});
  client_->exec(p).back().throw_if_error();
}

void broker::ack_many(std::span<const std::string> delivery_tags) {
  if (delivery_tags.empty()) return;
  std::vector<std::string_view> zrem{"ZREM"}, hdel{"HDEL"};
  const std::string index_key = key(options_.unacked_index_key);
  const std::string hash_key = key(options_.unacked_key);
  zrem.push_back(index_key);
  hdel.push_back(hash_key);
  for (const auto& t : delivery_tags) {
    zrem.push_back(t);
    hdel.push_back(t);
  }
  ferry::redis::pipeline p;
  p.add({"MULTI"});
  p.add(std::span<const std::string_view>(zrem));
  p.add(std::span<const std::string_view>(hdel));
  p.add({"EXEC"});
  client_->exec(p).back().throw_if_error();
}

bool broker::restore(std::string_view delivery_tag) {
  // kombu restore_by_tag: client.transaction(fn, unacked_key) = WATCH, HGET, MULTI, ZREM, HDEL,
  // RPUSH (leftmost=False: the head, delivered next), EXEC; retried when the WATCH fires.
  auto conn = client_->acquire();
  for (int attempt = 0; attempt < 10; ++attempt) {
    conn->command({"WATCH", key(options_.unacked_key)}).throw_if_error();
    auto value = conn->command({"HGET", key(options_.unacked_key), delivery_tag});
    value.throw_if_error();
    ferry::redis::pipeline p;
    p.add({"MULTI"});
    p.add({"ZREM", key(options_.unacked_index_key), delivery_tag});
    p.add({"HDEL", key(options_.unacked_key), delivery_tag});
    bool restored = false;
    if (!value.is_nil()) {
      try {
        auto entry = parse_kombu_redis_unacked_value(value.as_string());
        // Anonymous exchange: the queue is the routing key (kombu _lookup). kombu 5.2.4 restores
        // to the base list, dropping the priority sub-list; so do we.
        p.add({"RPUSH", key(entry.routing_key), kombu_redis_mark_redelivered(entry.envelope)});
        restored = true;
      } catch (const error&) {
        // An entry we cannot read is dropped from the index, as kombu would fail to loads() it
        // forever otherwise.
      }
    }
    p.add({"EXEC"});
    auto replies = p.exec(*conn);
    if (replies.back().is_nil()) continue;  // WATCH fired: someone changed `unacked`; retry
    replies.back().throw_if_error();
    return restored;
  }
  conn->command({"UNWATCH"});
  return false;
}

std::size_t broker::restore_visible() {
  std::string token = random_hex128();
  auto mutex_key = key(options_.unacked_mutex_key);
  auto got = client_->command(
      {"SET", mutex_key, token, "NX", "PX", std::to_string(options_.unacked_mutex_expire.count())});
  got.throw_if_error();
  if (got.is_nil()) return 0;  // MutexHeld: another consumer is restoring
  std::size_t n = 0;
  try {
    auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
    char ceil[64];
    std::snprintf(ceil, sizeof ceil, "%.6f",
                  (now - std::chrono::duration<double>(options_.visibility_timeout)).count());
    auto visible =
        client_->command({"ZREVRANGEBYSCORE", key(options_.unacked_index_key), ceil, "0", "LIMIT",
                          "0", std::to_string(options_.restore_batch), "WITHSCORES"});
    visible.throw_if_error();
    const auto& el = visible.elements();
    for (std::size_t i = 0; i + 1 < el.size(); i += 2)
      if (restore(el[i].as_string())) ++n;
  } catch (...) {
    (void)release_lock_script().run(*client_, {mutex_key}, {token});
    throw;
  }
  (void)release_lock_script().run(*client_, {mutex_key}, {token});
  return n;
}

std::size_t broker::size(std::string_view queue) {
  ferry::redis::pipeline p;
  for (const auto& l : kombu_redis_priority_queues(queue)) p.add({"LLEN", key(l)});
  std::size_t n = 0;
  for (const auto& r : client_->exec(p)) n += static_cast<std::size_t>(r.as_integer());
  return n;
}

}  // namespace ferry::celery::redis

namespace ferry::celery::redis {

json dead_letter_entry(std::string_view err, std::string_view queue, std::string_view raw) {
  json j = json::object();
  j["error"] = std::string(err);
  j["queue"] = std::string(queue);
  j["time"] = protocol::format_isoformat(std::chrono::system_clock::now());
  // Kept as text: the envelope may not even be JSON.
  j["envelope"] = std::string(raw);
  return j;
}

}  // namespace ferry::celery::redis
