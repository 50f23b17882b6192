// descriptor_budget.hpp — how many policy connections the open-files limit leaves room for.
//
// Each connection holds one descriptor. When RLIMIT_NOFILE is below max_connections, accept()
// fails with EMFILE before the server's own limit is reached, and a client then waits in the
// listen backlog with no answer. So the server serves at most what the limit leaves after the
// descriptors already open and a reserve for those opened later (the decide callbacks' own
// reconnects, admin requests), and refuses the rest promptly.
//
//   const auto budget = plan_connections(4096, current_descriptor_limits(), 2);
//   if (budget.capped) warn(budget.max_connections);
//
// Thread safety: plain functions. Errors: none thrown; an unreadable limit counts as unlimited.
#pragma once

#include <cstddef>
#include <optional>

namespace ferry::postfix::detail {

struct descriptor_limits {
  std::optional<std::size_t> soft;  ///< RLIMIT_NOFILE's soft limit; nullopt: unlimited.
  std::size_t open = 0;             ///< Descriptors open now.
};

/// The process's limit and how many descriptors it has open (from /proc/self/fd).
[[nodiscard]] descriptor_limits current_descriptor_limits();

struct connection_budget {
  std::size_t max_connections = 0;  ///< 0: the limit leaves no room for any connection.
  bool capped = false;              ///< Lower than requested because of the limit.
  std::size_t reserve = 0;          ///< Descriptors kept back for everything but connections.
};

/// `requested` connections within `limits`, keeping 32 descriptors plus 2 per worker thread
/// (room for, say, a database and a Redis connection each) in reserve.
[[nodiscard]] connection_budget plan_connections(std::size_t requested,
                                                 const descriptor_limits& limits,
                                                 unsigned workers) noexcept;

}  // namespace ferry::postfix::detail
