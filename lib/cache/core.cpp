#include <time.h>

#include <algorithm>
#include <list>
#include <random>
#include <stdexcept>
#include <thread>

#include "ferry/cache/detail/core.hpp"
#include "ferry/error.hpp"
#include "ferry/redis/connection.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::cache::detail {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

constexpr std::string_view invalidate_channel = "__redis__:invalidate";

std::int64_t steady_ticks() noexcept {
  auto t = steady::now().time_since_epoch().count();
  return t == 0 ? 1 : static_cast<std::int64_t>(t);  // 0 means "closed"
}

double default_random() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::uniform_real_distribution<double> d(0.0, 1.0);
  return 1.0 - d(gen);  // (0, 1]
}

// Deletes the key only if it still holds the bytes that failed to decode: a writer that
// replaced it meanwhile must not lose its fresh value.
const redis::script& compare_and_delete() {
  static const redis::script s{
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
      "return 0"};
  return s;
}

}  // namespace

// --- flight -----------------------------------------------------------------------------------

std::shared_ptr<const void> flight::wait() {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return result_;
}

void flight::finish(std::shared_ptr<const void> result, std::exception_ptr error) {
  {
    std::lock_guard lock(mu_);
    result_ = std::move(result);
    error_ = std::move(error);
    done_ = true;
  }
  done_cv_.notify_all();
}

// --- near cache state -------------------------------------------------------------------------

// Heterogeneous lookup: a hit is found by string_view, without building a std::string.
struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view k) const noexcept {
    return std::hash<std::string_view>{}(k);
  }
};

struct near_state {
  struct entry {
    std::string key;  // without the namespace
    near_value value;
    std::uint64_t stamp = 0;  // `moves` when it last went to the front
  };
  using lru_list = std::list<entry>;
  struct inflight {
    std::size_t refs = 0;
    std::uint64_t invalidations = 0;
  };

  std::mutex mu;
  lru_list lru;  // most recently used first
  std::unordered_map<std::string, lru_list::iterator, key_hash, std::equal_to<>> index;
  // Redis reads that may fill the cache.
  std::unordered_map<std::string, inflight, key_hash, std::equal_to<>> reads;
  std::uint64_t epoch = 0;          // bumped by every flush
  std::uint64_t moves = 0;          // entries moved to the front so far
  std::atomic<bool> active{false};  // subscribed to invalidations (written under mu)
  std::size_t max_entries = 0;

  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop = false;
  std::thread tracker;

  // Moves an entry to the front, unless it is already among the most recent quarter: the list
  // then holds entries in the order of their stamps, so such an entry is at most max/4 from
  // the front and far from eviction. A hot key's hit then costs no list surgery at all.
  void touch_locked(lru_list::iterator it) {
    if (moves - it->stamp < max_entries / 4 + 1) return;
    it->stamp = ++moves;
    if (it != lru.begin()) lru.splice(lru.begin(), lru, it);
  }
  // The live entry for `key` (an expired one is dropped, a hit is touched), or nullptr.
  entry* find_live_locked(std::string_view key, sys_time t) {
    if (!active.load(std::memory_order_relaxed)) return nullptr;
    auto it = index.find(key);
    if (it == index.end()) return nullptr;
    const auto e = it->second;
    if (e->value.expiry && *e->value.expiry <= t) {
      lru.erase(e);
      index.erase(it);
      return nullptr;
    }
    touch_locked(e);
    return &*e;
  }
  void erase_locked(std::string_view key) {
    if (auto it = index.find(key); it != index.end()) {
      lru.erase(it->second);
      index.erase(it);
    }
    if (auto r = reads.find(key); r != reads.end()) ++r->second.invalidations;
  }
  void flush_locked() {
    lru.clear();
    index.clear();
    ++epoch;
  }
  void set_active(bool on) {
    std::lock_guard lock(mu);
    flush_locked();
    active.store(on, std::memory_order_relaxed);
  }
  // Sleeps up to `d`; true when asked to stop.
  bool sleep_for(milliseconds d) {
    std::unique_lock lock(stop_mu);
    return stop_cv.wait_for(lock, d, [&] { return stop; });
  }
  bool stopping() {
    std::lock_guard lock(stop_mu);
    return stop;
  }
};

near_ticket::~near_ticket() {
  if (owner_ != nullptr) owner_->near_release(*this);
}

// --- cache_core -------------------------------------------------------------------------------

cache_core::cache_core(redis::client& client, std::string ns, cache_options opts)
    : client_(client), ns_(std::move(ns)), opts_(std::move(opts)) {
  if (ns_.empty()) throw std::invalid_argument("cache namespace must not be empty");
  if (opts_.default_ttl.count() <= 0 || opts_.negative_ttl.count() <= 0) {
    throw std::invalid_argument("cache default_ttl and negative_ttl must be positive");
  }
  if (opts_.circuit_cooldown.count() <= 0) {
    throw std::invalid_argument("cache circuit_cooldown must be positive");
  }
  if (!(opts_.early_refresh_beta >= 0)) {
    throw std::invalid_argument("cache early_refresh_beta must be >= 0");
  }
  if (opts_.near.enabled && opts_.enabled) {
    if (opts_.near.max_entries == 0 || opts_.near.health_interval.count() <= 0) {
      throw std::invalid_argument("near cache max_entries and health_interval must be positive");
    }
    near_ = std::make_unique<near_state>();
    near_->max_entries = opts_.near.max_entries;
    near_->tracker = std::thread([this] { tracker_loop(); });
  }
}

cache_core::~cache_core() {
  if (near_) {
    {
      std::lock_guard lock(near_->stop_mu);
      near_->stop = true;
    }
    near_->stop_cv.notify_all();
    near_->tracker.join();
  }
}

std::string cache_core::full_key(std::string_view key) const {
  if (key.empty()) throw std::invalid_argument("cache key must not be empty");
  std::string k;
  k.reserve(ns_.size() + key.size());
  k += ns_;
  k += key;
  return k;
}

sys_time cache_core::now() const {
  return opts_.clock ? opts_.clock() : std::chrono::system_clock::now();
}

bool cache_core::refresh_early(milliseconds delta, const std::optional<sys_time>& expiry) {
  if (!expiry || opts_.early_refresh_beta <= 0) return false;
  auto t = now();
  if (t < *expiry && delta.count() <= 0) return false;
  double u = opts_.random ? opts_.random() : default_random();
  return xfetch_due(t, delta, opts_.early_refresh_beta, u, expiry);
}

// --- circuit breaker --------------------------------------------------------------------------

bool cache_core::circuit_allows() {
  auto until = open_until_.load(std::memory_order_acquire);
  if (until == 0) return true;
  if (steady_ticks() < until) return false;
  // Cool-down over: exactly one caller probes Redis; the rest keep skipping until it reports.
  bool expected = false;
  return probing_.compare_exchange_strong(expected, true);
}

void cache_core::circuit_success() noexcept {
  // Only touch the shared atomics when there is something to reset: this runs after every
  // successful call, and unconditional stores would bounce the cache line between threads.
  if (open_until_.load(std::memory_order_relaxed) != 0) open_until_.store(0);
  if (probing_.load(std::memory_order_relaxed)) probing_.store(false);
}

void cache_core::circuit_failure(const ferry::error& e) {
  ++n_.errors;
  if (e.kind() == errc::server_error || e.kind() == errc::decode_error) {
    // An error reply means Redis answered: the connection is fine, the circuit stays closed.
    circuit_success();
  } else if (e.kind() == errc::pool_exhausted) {
    // Local contention for pooled connections, not a sign of a dead server (a hung one shows
    // up as timeouts on the busy connections): count it, leave the circuit as it is.
    probing_.store(false);
  } else {
    auto until = steady_ticks() +
                 std::chrono::duration_cast<steady::duration>(opts_.circuit_cooldown).count();
    if (open_until_.exchange(until) == 0) ++n_.circuit_trips;
    probing_.store(false);
  }
  if (opts_.on_error) {
    try {
      opts_.on_error(e);
    } catch (...) {  // a logging callback must not break the cache
    }
  }
}

void cache_core::report_error(const ferry::error& e) {
  ++n_.errors;
  if (opts_.on_error) {
    try {
      opts_.on_error(e);
    } catch (...) {
    }
  }
}

template <class F>
auto cache_core::guarded(F&& f) -> std::optional<decltype(f())> {
  if (!circuit_allows()) {
    ++n_.skipped;
    if (opts_.throw_on_error) {
      throw error(errc::connection_failed,
                  "cache " + ns_ + ": Redis is skipped for the circuit cool-down after a failure");
    }
    return std::nullopt;
  }
  try {
    auto r = f();
    circuit_success();
    return r;
  } catch (const ferry::error& e) {
    circuit_failure(e);
    if (opts_.throw_on_error) throw;
    return std::nullopt;
  } catch (...) {
    probing_.store(false);
    throw;
  }
}

// --- Redis operations -------------------------------------------------------------------------

cache_core::fetched cache_core::get(const std::string& key) {
  auto r = guarded([&] { return client_.command({"GET", key}); });
  if (!r) return {fetch_status::unavailable, {}};
  if (r->is_nil()) return {fetch_status::miss, {}};
  return {fetch_status::hit, std::move(*r).as_string()};
}

std::vector<cache_core::fetched> cache_core::get_many(const std::vector<std::string>& keys) {
  std::vector<fetched> out(keys.size());
  if (keys.empty()) return out;
  auto r = guarded([&] {
    std::vector<std::string_view> argv;
    argv.reserve(keys.size() + 1);
    argv.emplace_back("MGET");
    argv.insert(argv.end(), keys.begin(), keys.end());
    return client_.command(argv);
  });
  if (!r) {
    for (auto& f : out) f.status = fetch_status::unavailable;
    return out;
  }
  auto elements = std::move(*r).elements();
  for (std::size_t i = 0; i < out.size() && i < elements.size(); ++i) {
    if (elements[i].is_nil()) continue;
    out[i] = {fetch_status::hit, std::move(elements[i]).as_string()};
  }
  return out;
}

namespace {
void add_set(redis::pipeline& p, const std::string& key, const std::string& raw,
             const std::optional<milliseconds>& ttl) {
  if (ttl) {
    std::string ms = std::to_string(ttl->count());
    p.add({"SET", key, raw, "PX", ms});
  } else {
    p.add({"SET", key, raw});
  }
}
}  // namespace

bool cache_core::set(const std::string& key, const std::string& raw,
                     std::optional<milliseconds> ttl) {
  near_erase(key);
  return guarded([&] {
           if (ttl) {
             std::string ms = std::to_string(ttl->count());
             client_.command({"SET", key, raw, "PX", ms});
           } else {
             client_.command({"SET", key, raw});
           }
           return true;
         })
      .has_value();
}

bool cache_core::set_many(const std::vector<std::pair<std::string, std::string>>& items,
                          std::optional<milliseconds> ttl) {
  if (items.empty()) return true;
  for (const auto& [k, v] : items) near_erase(k);
  return guarded([&] {
           redis::pipeline p;
           for (const auto& [k, v] : items) add_set(p, k, v, ttl);
           for (const auto& r : client_.exec(p)) r.throw_if_error();
           return true;
         })
      .has_value();
}

bool cache_core::del(const std::string& key) {
  near_erase(key);
  auto r = guarded([&] { return client_.command({"DEL", key}).as_integer(); });
  return r && *r > 0;
}

bool cache_core::exists(const std::string& key) {
  auto r = guarded([&] { return client_.command({"EXISTS", key}).as_integer(); });
  return r && *r > 0;
}

std::optional<entry_ttl> cache_core::ttl(const std::string& key) {
  auto r = guarded([&] { return client_.command({"PTTL", key}).as_integer(); });
  if (!r || *r == -2) return std::nullopt;
  if (*r == -1) return entry_ttl{true, milliseconds{0}};
  return entry_ttl{false, milliseconds{*r}};
}

std::size_t cache_core::del_pattern(std::string_view glob) {
  if (near_) {
    std::lock_guard lock(near_->mu);
    near_->flush_locked();
  }
  std::string pattern = redis::escape_glob(ns_);
  pattern += glob;
  auto r = guarded([&] { return redis::delete_matching(client_, pattern); });
  return r.value_or(0);
}

void cache_core::decode_failed(const std::string& key, const std::string& raw) {
  ++n_.decode_failures;
  near_erase(key);
  (void)guarded([&] { return compare_and_delete().run(client_, {key}, {raw}); });
}

// --- near cache -------------------------------------------------------------------------------

std::string_view cache_core::local_key(std::string_view full) const noexcept {
  return full.substr(std::min(ns_.size(), full.size()));
}

sys_time cache_core::near_now() const {
  if (opts_.clock) return opts_.clock();
  // The coarse clock (one tick, a few ms) is a fraction of the cost of an exact read; an
  // entry may outlive its TTL in this process by that tick, far less than any TTL it has.
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return sys_time{std::chrono::duration_cast<sys_time::duration>(
      std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec})};
}

bool cache_core::near_active() const noexcept {
  return near_ && near_->active.load(std::memory_order_relaxed);
}

std::optional<near_value> cache_core::near_get(std::string_view key) {
  if (!near_active()) return std::nullopt;
  auto t = near_now();
  std::lock_guard lock(near_->mu);
  auto* e = near_->find_live_locked(key, t);
  if (e == nullptr) return std::nullopt;
  return e->value;
}

std::optional<near_meta> cache_core::near_read(std::string_view key, near_copy_fn copy, void* out) {
  if (!near_active()) return std::nullopt;
  auto t = near_now();
  std::lock_guard lock(near_->mu);
  auto* e = near_->find_live_locked(key, t);
  if (e == nullptr) return std::nullopt;
  const near_value& v = e->value;
  if (v.value) copy(v.value.get(), out);
  return near_meta{v.value == nullptr, v.delta, v.expiry};
}

near_ticket cache_core::near_begin(const std::string& key) {
  near_ticket t;
  if (!near_) return t;
  std::lock_guard lock(near_->mu);
  if (!near_->active.load(std::memory_order_relaxed)) return t;
  const auto local = local_key(key);
  auto r = near_->reads.find(local);
  if (r == near_->reads.end())
    r = near_->reads.emplace(std::string(local), near_state::inflight{}).first;
  ++r->second.refs;
  t.owner_ = this;
  t.key_ = std::string(local);
  t.invalidations_ = r->second.invalidations;
  t.epoch_ = near_->epoch;
  return t;
}

void cache_core::near_put(near_ticket& ticket, near_value value) {
  if (ticket.owner_ == nullptr) return;
  {
    std::lock_guard lock(near_->mu);
    auto r = near_->reads.find(ticket.key_);
    // Store only if nothing invalidated this key (or everything) since the read began.
    bool fresh = near_->active.load(std::memory_order_relaxed) && near_->epoch == ticket.epoch_ &&
                 r != near_->reads.end() && r->second.invalidations == ticket.invalidations_;
    if (fresh) {
      if (auto it = near_->index.find(ticket.key_); it != near_->index.end()) {
        it->second->value = std::move(value);
        near_->touch_locked(it->second);
      } else {
        near_->lru.push_front({ticket.key_, std::move(value), ++near_->moves});
        near_->index.emplace(ticket.key_, near_->lru.begin());
        while (near_->lru.size() > near_->max_entries) {
          near_->index.erase(near_->lru.back().key);
          near_->lru.pop_back();
        }
      }
    }
  }
  near_release(ticket);
}

void cache_core::near_release(near_ticket& t) noexcept {
  if (t.owner_ == nullptr) return;
  t.owner_ = nullptr;
  std::lock_guard lock(near_->mu);
  auto r = near_->reads.find(t.key_);
  if (r != near_->reads.end() && --r->second.refs == 0) near_->reads.erase(r);
}

void cache_core::near_erase(const std::string& key) {
  if (!near_) return;
  std::lock_guard lock(near_->mu);
  near_->erase_locked(local_key(key));
}

// The invalidation connection. One dedicated connection turns on server-assisted client-side
// caching in BCAST mode for our namespace and redirects the invalidations to itself, then
// subscribes to __redis__:invalidate (RESP2 delivers them there as pub/sub messages). BCAST
// does not depend on which connection read a key, so the pooled data connections need no
// tracking at all, and a reconnect only has to redo this one connection — with per-connection
// (default-mode) tracking every pooled connection would have to be re-pointed at the new
// connection's id, and Redis silently drops RESP2 invalidations whose redirect target is gone.
void cache_core::tracker_loop() {
  auto& st = *near_;
  const milliseconds tick = std::min(opts_.near.health_interval, milliseconds{100});
  milliseconds backoff{50};
  std::unique_ptr<redis::connection> conn;
  auto last_rx = steady::now();
  std::optional<steady::time_point> ping_sent;

  while (!st.stopping()) {
    if (!conn) {
      try {
        redis::options o = client_.config();
        o.client_name = "ferry-cache-invalidations";
        auto c = std::make_unique<redis::connection>(o);
        std::string id = std::to_string(c->command({"CLIENT", "ID"}).as_integer());
        c->command({"CLIENT", "TRACKING", "ON", "REDIRECT", id, "BCAST", "PREFIX", ns_});
        c->subscribe({invalidate_channel});
        conn = std::move(c);
        // Anything cached before now may have changed unseen: start empty.
        st.set_active(true);
        backoff = milliseconds{50};
        last_rx = steady::now();
        ping_sent.reset();
      } catch (const std::exception&) {
        if (st.sleep_for(backoff)) break;
        backoff = std::min(backoff * 2, milliseconds{1000});
        continue;
      }
    }
    try {
      auto r = conn->try_read_reply(tick);
      auto t = steady::now();
      if (!r) {
        if (ping_sent) {
          if (t - *ping_sent > opts_.near.health_interval) {
            throw error(errc::timeout, "invalidation connection did not answer PING");
          }
        } else if (t - last_rx >= opts_.near.health_interval) {
          conn->append({"PING"});
          conn->flush();
          ping_sent = t;
        }
        continue;
      }
      last_rx = t;
      ping_sent.reset();
      if (!r->is_array()) continue;
      const auto& e = r->elements();
      if (e.size() != 3 || !e[0].is_string() || e[0].as_string() != "message" ||
          !e[1].is_string() || e[1].as_string() != invalidate_channel) {
        continue;  // pong, or a confirmation
      }
      const redis::reply& keys = e[2];
      std::lock_guard lock(st.mu);
      if (keys.is_nil()) {  // FLUSHDB/FLUSHALL, or the server lost track: drop everything
        st.flush_locked();
        continue;
      }
      for (const auto& k : keys.elements()) {
        if (!k.is_string()) continue;
        st.erase_locked(local_key(k.as_string()));
        ++n_.near_invalidations;
      }
    } catch (const std::exception&) {
      // Without invalidations the near cache could serve stale values: flush and disable it
      // until the subscription is back.
      st.set_active(false);
      conn.reset();
    }
  }
  st.set_active(false);
}

// --- single flight ----------------------------------------------------------------------------

std::pair<std::shared_ptr<flight>, bool> cache_core::join(const std::string& key) {
  std::lock_guard lock(flights_mu_);
  auto [it, inserted] = flights_.try_emplace(key);
  if (inserted) it->second = std::make_shared<flight>();
  return {it->second, inserted};
}

void cache_core::land(const std::string& key, const std::shared_ptr<flight>& f,
                      std::shared_ptr<const void> result, std::exception_ptr error) {
  {
    std::lock_guard lock(flights_mu_);
    if (auto it = flights_.find(key); it != flights_.end() && it->second == f) flights_.erase(it);
  }
  f->finish(std::move(result), std::move(error));
}

// --- counters ---------------------------------------------------------------------------------

void cache_core::count_hit(bool near) noexcept {
  ++n_.hits;
  if (near) ++n_.near_hits;
}

void cache_core::count_miss() noexcept {
  ++n_.misses;
}

void cache_core::count_load(steady::duration took, bool failed, bool early) noexcept {
  ++n_.loads;
  n_.load_time_us += static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  if (failed) ++n_.load_failures;
  if (early) ++n_.early_refreshes;
}

cache_stats cache_core::stats() const {
  cache_stats s;
  s.name = ns_;
  s.enabled = opts_.enabled;
  s.circuit_open = open_until_.load() != 0;
  s.near_enabled = near_ != nullptr;
  if (near_) {
    std::lock_guard lock(near_->mu);
    s.near_active = near_->active.load(std::memory_order_relaxed);
    s.near_entries = near_->lru.size();
  }
  s.hits = n_.hits;
  s.near_hits = n_.near_hits;
  s.misses = n_.misses;
  s.loads = n_.loads;
  s.load_failures = n_.load_failures;
  s.early_refreshes = n_.early_refreshes;
  s.decode_failures = n_.decode_failures;
  s.errors = n_.errors;
  s.circuit_trips = n_.circuit_trips;
  s.skipped = n_.skipped;
  s.near_invalidations = n_.near_invalidations;
  s.load_time_total = std::chrono::microseconds{static_cast<std::int64_t>(n_.load_time_us.load())};
  return s;
}

}  // namespace ferry::cache::detail
