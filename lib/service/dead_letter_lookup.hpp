// dead_letter_lookup.hpp — the store the admin API or the `dlq` command works on (private to
// lib/service): the queue name is checked before any store, and so any server, is asked.
#pragma once

#include <optional>
#include <string_view>

#include "ferry/core/dead_letter_catalog.hpp"
#include "ferry/service/dead_letter_admin.hpp"

namespace ferry::service::detail {

/// check_dead_letter_queue_name(queue), then the catalog's store for (source, queue).
[[nodiscard]] inline dead_letter_store& checked_store_for(const dead_letter_catalog& catalog,
                                                          std::optional<std::string_view> source,
                                                          std::string_view queue) {
  check_dead_letter_queue_name(queue);
  return catalog.store_for(source, queue);
}

}  // namespace ferry::service::detail
