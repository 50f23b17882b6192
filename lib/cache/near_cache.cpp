#include "ferry/cache/detail/near_cache.hpp"

namespace ferry::cache::detail {

near_ticket::~near_ticket() {
  if (owner_ != nullptr) owner_->release(*this);
}

near_cache::near_cache(std::size_t max_entries) : max_entries_(max_entries) {}

void near_cache::set_active(bool on) {
  std::lock_guard lock(mu_);
  flush_locked();
  active_.store(on, std::memory_order_relaxed);
}

// Moves an entry to the front, unless it is already among the most recent quarter: the list
// then holds entries in the order of their stamps, so such an entry is at most max/4 from
// the front and far from eviction. A hot key's hit then costs no list surgery at all.
void near_cache::touch_locked(lru_list::iterator it) {
  if (moves_ - it->stamp < max_entries_ / 4 + 1) return;
  it->stamp = ++moves_;
  if (it != lru_.begin()) lru_.splice(lru_.begin(), lru_, it);
}

near_cache::entry* near_cache::find_live_locked(std::string_view key, sys_time now) {
  if (!active_.load(std::memory_order_relaxed)) return nullptr;
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  const auto e = it->second;
  if (e->value.expiry && *e->value.expiry <= now) {
    lru_.erase(e);
    index_.erase(it);
    return nullptr;
  }
  touch_locked(e);
  return &*e;
}

std::optional<near_value> near_cache::get(std::string_view key, sys_time now) {
  std::lock_guard lock(mu_);
  auto* e = find_live_locked(key, now);
  if (e == nullptr) return std::nullopt;
  return e->value;
}

std::optional<near_meta> near_cache::read(std::string_view key, sys_time now, near_copy_fn copy,
                                          void* out) {
  std::lock_guard lock(mu_);
  auto* e = find_live_locked(key, now);
  if (e == nullptr) return std::nullopt;
  const near_value& v = e->value;
  if (v.value) copy(v.value.get(), out);
  return near_meta{v.value == nullptr, v.delta, v.expiry};
}

near_ticket near_cache::begin(std::string_view key) {
  near_ticket t;
  std::lock_guard lock(mu_);
  if (!active_.load(std::memory_order_relaxed)) return t;
  auto r = reads_.find(key);
  if (r == reads_.end()) r = reads_.emplace(std::string(key), inflight{}).first;
  ++r->second.refs;
  t.owner_ = this;
  t.key_ = std::string(key);
  t.invalidations_ = r->second.invalidations;
  t.epoch_ = epoch_;
  return t;
}

void near_cache::put(near_ticket& ticket, near_value value) {
  if (ticket.owner_ == nullptr) return;
  {
    std::lock_guard lock(mu_);
    auto r = reads_.find(ticket.key_);
    // Store only if nothing invalidated this key (or everything) since the read began.
    const bool fresh = active_.load(std::memory_order_relaxed) && epoch_ == ticket.epoch_ &&
                       r != reads_.end() && r->second.invalidations == ticket.invalidations_;
    if (fresh) {
      if (auto it = index_.find(ticket.key_); it != index_.end()) {
        it->second->value = std::move(value);
        touch_locked(it->second);
      } else {
        lru_.push_front({ticket.key_, std::move(value), ++moves_});
        index_.emplace(ticket.key_, lru_.begin());
        while (lru_.size() > max_entries_) {
          index_.erase(lru_.back().key);
          lru_.pop_back();
        }
      }
    }
  }
  release(ticket);
}

void near_cache::release(near_ticket& t) noexcept {
  if (t.owner_ == nullptr) return;
  t.owner_ = nullptr;
  std::lock_guard lock(mu_);
  auto r = reads_.find(t.key_);
  if (r != reads_.end() && --r->second.refs == 0) reads_.erase(r);
}

void near_cache::erase_locked(std::string_view key) {
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (auto r = reads_.find(key); r != reads_.end()) ++r->second.invalidations;
}

void near_cache::erase(std::string_view key) {
  std::lock_guard lock(mu_);
  erase_locked(key);
}

void near_cache::erase(std::span<const std::string_view> keys) {
  std::lock_guard lock(mu_);
  for (auto k : keys) erase_locked(k);
}

void near_cache::flush_locked() {
  lru_.clear();
  index_.clear();
  ++epoch_;
}

void near_cache::flush() {
  std::lock_guard lock(mu_);
  flush_locked();
}

std::size_t near_cache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace ferry::cache::detail
