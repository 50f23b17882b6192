// serve_policy.hpp — ferry-policyd's rules plugged into ferry::postfix::policy_server.
//
// The server owns sockets and threads; this file says what it answers (the policy_engine's
// verdicts, through ferry::postfix::recipient_handler), what it counts (metrics) and where its
// lines go (the service's logger, as an observer). A recipient known without blocking (in
// memory, or in the near cache) is answered on the event loop; a lookup that may block, and
// the rate-limit check of an accepted recipient (Redis), run on a worker.
//
//   auto server = make_policy_server(cfg.server, engine, stats, log);
//   server.start();
//
// Thread safety: as policy_server. Errors: as policy_server's constructor.
#pragma once

#include <ferry/postfix/policy_server.hpp>

#include "decision.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace ferry::apps::policy {

using postfix::policy_server;
using postfix::policy_server_options;

/// The policy server answering with `engine`. `engine`, `stats` and `log` must outlive it.
/// Starts no worker when the directory never blocks and no rate limit is set.
[[nodiscard]] postfix::policy_server make_policy_server(postfix::policy_server_options options,
                                                        const policy_engine& engine, metrics& stats,
                                                        logger& log);

}  // namespace ferry::apps::policy
