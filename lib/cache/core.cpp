#include "ferry/cache/detail/core.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <stdexcept>

#include "cache/invalidation_tracker.hpp"
#include "ferry/core/circuit_breaker.hpp"
#include "ferry/core/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::cache::detail {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

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

// What cache_core composes: the parts live in their own files; this holds them together.
struct cache_core::impl {
  impl(redis::client& c, milliseconds cooldown) : client(c), breaker({.cooldown = cooldown}) {}

  template <class F>
  auto guarded(cache_core& core, F&& f) -> std::optional<decltype(f())>;
  void failed(const cache_core& core, const ferry::error& e);
  void report(const cache_core& core, const ferry::error& e);

  redis::client& client;
  circuit_breaker breaker;
  single_flight flights;
  std::unique_ptr<near_cache> near;  // nullptr when the near cache is off
  struct counters {
    std::atomic<std::uint64_t> hits{0}, near_hits{0}, misses{0}, loads{0}, load_failures{0},
        early_refreshes{0}, decode_failures{0}, errors{0}, skipped{0}, near_invalidations{0},
        load_time_us{0};
  } n;
  std::unique_ptr<invalidation_tracker> tracker;  // last: stopped before the rest goes
};

// --- cache_core -------------------------------------------------------------------------------

cache_core::cache_core(redis::client& client, std::string ns, cache_options opts)
    : ns_(std::move(ns)), opts_(std::move(opts)) {
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
  impl_ = std::make_unique<impl>(client, opts_.circuit_cooldown);
  if (opts_.near.enabled && opts_.enabled) {
    if (opts_.near.max_entries == 0 || opts_.near.health_interval.count() <= 0) {
      throw std::invalid_argument("near cache max_entries and health_interval must be positive");
    }
    impl_->near = std::make_unique<near_cache>(opts_.near.max_entries);
    impl_->tracker =
        std::make_unique<invalidation_tracker>(client.config(), ns_, opts_.near.health_interval,
                                               *impl_->near, impl_->n.near_invalidations);
  }
}

cache_core::~cache_core() = default;

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

// --- Redis behind the circuit breaker -------------------------------------------------------

void cache_core::impl::report(const cache_core& core, const ferry::error& e) {
  ++n.errors;
  core.opts_.observer.error(e, {.component = "cache", .operation = "redis"});
}

void cache_core::impl::failed(const cache_core& core, const ferry::error& e) {
  if (e.kind() == errc::server_error || e.kind() == errc::decode_error) {
    // An error reply means Redis answered: the connection is fine, the circuit stays closed.
    breaker.record_success();
  } else if (e.kind() == errc::pool_exhausted) {
    // Local contention for pooled connections, not a sign of a dead server (a hung one shows
    // up as timeouts on the busy connections): count it, leave the circuit as it is.
    breaker.record_neutral();
  } else {
    (void)breaker.record_failure();
  }
  report(core, e);
}

template <class F>
auto cache_core::impl::guarded(cache_core& core, F&& f) -> std::optional<decltype(f())> {
  if (!breaker.allow()) {
    ++n.skipped;
    if (core.opts_.throw_on_error) {
      throw error(errc::connection_failed, "cache " + core.ns_ +
                                               ": Redis is skipped for the circuit cool-down "
                                               "after a failure");
    }
    return std::nullopt;
  }
  try {
    auto r = f();
    breaker.record_success();
    return r;
  } catch (const ferry::error& e) {
    failed(core, e);
    if (core.opts_.throw_on_error) throw;
    return std::nullopt;
  } catch (...) {
    breaker.record_neutral();
    throw;
  }
}

void cache_core::report_error(const ferry::error& e) {
  impl_->report(*this, e);
}

cache_core::fetched cache_core::get(const std::string& key) {
  auto& c = impl_->client;
  auto r = impl_->guarded(*this, [&] { return c.command({"GET", key}); });
  if (!r) return {fetch_status::unavailable, {}};
  if (r->is_nil()) return {fetch_status::miss, {}};
  return {fetch_status::hit, std::move(*r).as_string()};
}

std::vector<cache_core::fetched> cache_core::get_many(const std::vector<std::string>& keys) {
  std::vector<fetched> out(keys.size());
  if (keys.empty()) return out;
  auto r = impl_->guarded(*this, [&] {
    std::vector<std::string_view> argv;
    argv.reserve(keys.size() + 1);
    argv.emplace_back("MGET");
    argv.insert(argv.end(), keys.begin(), keys.end());
    return impl_->client.command(argv);
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
  auto& c = impl_->client;
  return impl_
      ->guarded(*this,
                [&] {
                  if (ttl) {
                    std::string ms = std::to_string(ttl->count());
                    c.command({"SET", key, raw, "PX", ms});
                  } else {
                    c.command({"SET", key, raw});
                  }
                  return true;
                })
      .has_value();
}

bool cache_core::set_many(const std::vector<std::pair<std::string, std::string>>& items,
                          std::optional<milliseconds> ttl) {
  if (items.empty()) return true;
  for (const auto& [k, v] : items) near_erase(k);
  return impl_
      ->guarded(*this,
                [&] {
                  redis::pipeline p;
                  for (const auto& [k, v] : items) add_set(p, k, v, ttl);
                  for (const auto& r : impl_->client.exec(p)) r.throw_if_error();
                  return true;
                })
      .has_value();
}

bool cache_core::del(const std::string& key) {
  near_erase(key);
  auto& c = impl_->client;
  auto r = impl_->guarded(*this, [&] { return c.command({"DEL", key}).as_integer(); });
  return r && *r > 0;
}

bool cache_core::exists(const std::string& key) {
  auto& c = impl_->client;
  auto r = impl_->guarded(*this, [&] { return c.command({"EXISTS", key}).as_integer(); });
  return r && *r > 0;
}

std::optional<entry_ttl> cache_core::ttl(const std::string& key) {
  auto& c = impl_->client;
  auto r = impl_->guarded(*this, [&] { return c.command({"PTTL", key}).as_integer(); });
  if (!r || *r == -2) return std::nullopt;
  if (*r == -1) return entry_ttl{true, milliseconds{0}};
  return entry_ttl{false, milliseconds{*r}};
}

std::size_t cache_core::del_pattern(std::string_view glob) {
  if (impl_->near) impl_->near->flush();
  std::string pattern = redis::escape_glob(ns_);
  pattern += glob;
  auto& c = impl_->client;
  auto r = impl_->guarded(*this, [&] { return redis::delete_matching(c, pattern); });
  return r.value_or(0);
}

void cache_core::decode_failed(const std::string& key, const std::string& raw) {
  ++impl_->n.decode_failures;
  near_erase(key);
  auto& c = impl_->client;
  (void)impl_->guarded(*this, [&] { return compare_and_delete().run(c, {key}, {raw}); });
}

// --- near cache -------------------------------------------------------------------------------

namespace {
// The time near-cache expiry is checked against: the injected clock, else a coarse clock.
// The coarse clock (one tick, a few ms) is a fraction of the cost of an exact read; an entry
// may outlive its TTL in this process by that tick, far less than any TTL it has.
sys_time near_now(const cache_options& o) {
  if (o.clock) return o.clock();
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return sys_time{std::chrono::duration_cast<sys_time::duration>(
      std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec})};
}
}  // namespace

std::string_view cache_core::local_key(std::string_view full) const noexcept {
  return full.substr(std::min(ns_.size(), full.size()));
}

std::optional<near_value> cache_core::near_get(std::string_view key) {
  auto* near = impl_->near.get();
  if (near == nullptr || !near->active()) return std::nullopt;
  return near->get(key, near_now(opts_));
}

std::optional<near_meta> cache_core::near_read(std::string_view key, near_copy_fn copy, void* out) {
  auto* near = impl_->near.get();
  if (near == nullptr || !near->active()) return std::nullopt;
  return near->read(key, near_now(opts_), copy, out);
}

near_ticket cache_core::near_begin(const std::string& key) {
  if (!impl_->near) return {};
  return impl_->near->begin(local_key(key));
}

void cache_core::near_put(near_ticket& ticket, near_value value) {
  if (impl_->near) impl_->near->put(ticket, std::move(value));
}

void cache_core::near_erase(const std::string& key) {
  if (impl_->near) impl_->near->erase(local_key(key));
}

// --- single flight ----------------------------------------------------------------------------

std::pair<std::shared_ptr<flight>, bool> cache_core::join(const std::string& key) {
  return impl_->flights.join(key);
}

void cache_core::land(const std::string& key, const std::shared_ptr<flight>& f,
                      std::shared_ptr<const void> result, std::exception_ptr error) {
  impl_->flights.land(key, f, std::move(result), std::move(error));
}

// --- counters ---------------------------------------------------------------------------------

void cache_core::count_hit(bool near) noexcept {
  ++impl_->n.hits;
  if (near) ++impl_->n.near_hits;
}

void cache_core::count_miss() noexcept {
  ++impl_->n.misses;
}

void cache_core::count_load(steady::duration took, bool failed, bool early) noexcept {
  auto& n = impl_->n;
  ++n.loads;
  n.load_time_us += static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  if (failed) ++n.load_failures;
  if (early) ++n.early_refreshes;
}

cache_stats cache_core::stats() const {
  const auto& n = impl_->n;
  cache_stats s;
  s.name = ns_;
  s.enabled = opts_.enabled;
  s.circuit_open = impl_->breaker.state() != circuit_state::closed;
  s.near_enabled = impl_->near != nullptr;
  if (impl_->near) {
    s.near_active = impl_->near->active();
    s.near_entries = impl_->near->size();
  }
  s.hits = n.hits;
  s.near_hits = n.near_hits;
  s.misses = n.misses;
  s.loads = n.loads;
  s.load_failures = n.load_failures;
  s.early_refreshes = n.early_refreshes;
  s.decode_failures = n.decode_failures;
  s.errors = n.errors;
  s.circuit_trips = impl_->breaker.trips();
  s.skipped = n.skipped;
  s.near_invalidations = n.near_invalidations;
  s.load_time_total = std::chrono::microseconds{static_cast<std::int64_t>(n.load_time_us.load())};
  return s;
}

}  // namespace ferry::cache::detail
