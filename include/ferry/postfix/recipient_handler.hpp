// ferry/postfix/recipient_handler.hpp — a recipient_policy served by a policy_server: the
// handler that answers with it and reports its answers, and the server options it needs;
// recipient_server() puts them together.
//
//   ferry::postfix::policy_stats stats(ferry::postfix::verdict_count);
//   auto server = ferry::postfix::recipient_server(policy, options, &stats, log.observer());
//   server.start();
//
// Or piece by piece:
//
//   ferry::postfix::recipient_policy policy(directory);
//   auto handler = ferry::postfix::recipient_handler(policy, log.observer());
//   stats.attach(handler);  // optional: policy_stats
//   ferry::postfix::policy_server server(ferry::postfix::recipient_server_options(policy, {}),
//                                        std::move(handler), obs);
//
// What is reported (on the event loop, through the observer, without a component name): a
// warning for an RCPT request without a recipient ("RCPT request without recipient
// (client_address=192.0.2.1); DUNNO"), and at debug level one line per answer ("decision
// state=RCPT recipient=a@b.example sender=... client=... queue_id=... verdict=accept
// action=\"DUNNO\" latency_us=80"), built only when debug is enabled.
//
// Thread safety: as recipient_policy; the policy must outlive the handler. Errors: none of
// their own.
#pragma once

#include <ferry/core/observer.hpp>
#include <ferry/export.hpp>
#include <ferry/postfix/policy_server.hpp>
#include <ferry/postfix/policy_stats.hpp>
#include <ferry/postfix/recipient_policy.hpp>

namespace ferry::postfix {

/// `policy.decider()` as `decide`, and an `on_answer` reporting to `log` as described above.
[[nodiscard]] FERRY_API policy_handler recipient_handler(const recipient_policy& policy,
                                                         ferry::observer log = {});

/// `options` with what `policy` needs: no worker when it never blocks (everything is answered
/// on the event loop), at least one when it may; its DEFER_IF_PERMIT answer as the fallback.
[[nodiscard]] FERRY_API policy_server_options
recipient_server_options(const recipient_policy& policy, policy_server_options options);

/// A policy_server answering with `policy` (recipient_handler, recipient_server_options),
/// counting its answers and events into `stats` when given, its lines (and the server's) to
/// `log`. Starts no worker when the policy never blocks. `policy` and `stats` must outlive it.
/// Errors: as policy_server's constructor.
[[nodiscard]] FERRY_API policy_server recipient_server(const recipient_policy& policy,
                                                       policy_server_options options,
                                                       policy_stats* stats = nullptr,
                                                       const ferry::observer& log = {});

}  // namespace ferry::postfix
