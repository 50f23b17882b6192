#include "ferry/core/dead_letter_catalog.hpp"

#include <stdexcept>
#include <string>

#include "ferry/core/error.hpp"

namespace ferry {

void dead_letter_catalog::add(std::shared_ptr<dead_letter_store> store) {
  if (!store) throw std::invalid_argument("dead_letter_catalog: null store");
  if (find_source(store->source()) != nullptr) {
    throw std::invalid_argument("dead_letter_catalog: a store for '" +
                                std::string(store->source()) + "' was added already");
  }
  stores_.push_back(std::move(store));
}

std::vector<dead_letter_queue_info> dead_letter_catalog::queues() const {
  std::vector<dead_letter_queue_info> all;
  for (const auto& s : stores_) {
    auto some = s->queues();
    all.insert(all.end(), std::make_move_iterator(some.begin()),
               std::make_move_iterator(some.end()));
  }
  return all;
}

std::size_t dead_letter_catalog::trim(std::chrono::seconds max_age) const {
  std::size_t n = 0;
  for (const auto& s : stores_) {
    for (const auto& q : s->queues()) {
      if (q.exists && q.count > 0) n += s->trim(q.queue, max_age);
    }
  }
  return n;
}

dead_letter_store* dead_letter_catalog::find_source(std::string_view source) const noexcept {
  for (const auto& s : stores_) {
    if (s->source() == source) return s.get();
  }
  return nullptr;
}

dead_letter_store& dead_letter_catalog::store_for(std::optional<std::string_view> source,
                                                  std::string_view queue) const {
  if (source) {
    dead_letter_store* s = find_source(*source);
    if (s == nullptr || !s->serves(queue)) {
      throw error(errc::not_found, "no dead-letter queue '" + std::string(queue) + "' in '" +
                                       std::string(*source) + "'");
    }
    return *s;
  }
  dead_letter_store* found = nullptr;
  for (const auto& s : stores_) {
    if (!s->serves(queue)) continue;
    if (found != nullptr) {
      throw std::invalid_argument("queue '" + std::string(queue) + "' has dead letters in both '" +
                                  std::string(found->source()) + "' and '" +
                                  std::string(s->source()) + "': name the source");
    }
    found = s.get();
  }
  if (found == nullptr) {
    throw error(errc::not_found, "no dead-letter queue '" + std::string(queue) + "'");
  }
  return *found;
}

}  // namespace ferry
