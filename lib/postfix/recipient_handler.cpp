#include "ferry/postfix/recipient_handler.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace ferry::postfix {
namespace {

void report(const answered& a, const ferry::observer& log) {
  const auto v = static_cast<verdict>(a.made.kind);
  const auto& r = a.request;
  // Postfix always sends the recipient in RCPT state: without one, the client is not Postfix
  // or speaks another protocol version, which the operator should see.
  if (v == verdict::missing_recipient && log.enabled(ferry::log_level::warning)) {
    log.log(ferry::log_level::warning, "",
            "RCPT request without recipient (client_address=" + r.client_address + "); DUNNO");
  }
  if (log.enabled(ferry::log_level::debug)) {
    log.log(ferry::log_level::debug, "",
            "decision state=" + r.protocol_state + " recipient=" + r.recipient +
                " sender=" + r.sender + " client=" + r.client_address + " queue_id=" + r.queue_id +
                " verdict=" + std::string(to_string(v)) + " action=\"" +
                std::string(a.made.answer.text()) +
                "\" latency_us=" + std::to_string(a.latency.count()));
  }
}

}  // namespace

policy_handler recipient_handler(const recipient_policy& policy, ferry::observer log) {
  policy_handler handler;
  handler.decide = policy.decider();
  if (log.enabled(ferry::log_level::warning)) {  // warning and debug lines only: nothing below
    handler.on_answer = [log = std::move(log)](const answered& a) { report(a, log); };
  }
  return handler;
}

policy_server_options recipient_server_options(const recipient_policy& policy,
                                               policy_server_options options) {
  options.workers = policy.may_block() ? std::max(1U, options.workers) : 0U;
  options.fallback = policy.decision_for(verdict::defer);
  return options;
}

policy_server recipient_server(const recipient_policy& policy, policy_server_options options,
                               policy_stats* stats, const ferry::observer& log) {
  auto handler = recipient_handler(policy, log);
  if (stats != nullptr) stats->attach(handler);
  return policy_server(recipient_server_options(policy, std::move(options)), std::move(handler),
                       log);
}

}  // namespace ferry::postfix
