#include "serve_policy.hpp"

#include <algorithm>
#include <string>

namespace ferry::apps::policy {

namespace {

void report(const postfix::answered& a, logger& log) {
  const auto v = static_cast<verdict>(a.made.kind);
  const auto& r = a.request;
  if (v == verdict::missing_recipient) {
    log.warning("RCPT request without recipient (client_address=" + r.client_address + "); DUNNO");
  }
  if (log.enabled(log_level::debug)) {
    log.debug("decision state=" + r.protocol_state + " recipient=" + r.recipient +
              " sender=" + r.sender + " client=" + r.client_address + " queue_id=" + r.queue_id +
              " verdict=" + std::string(to_string(v)) + " action=\"" +
              std::string(a.made.answer.text()) +
              "\" latency_us=" + std::to_string(a.latency.count()));
  }
}

}  // namespace

postfix::log_hook log_hook_for(logger& log) {
  // The server's levels are ferry's without trace and off.
  static constexpr log_level ours[] = {log_level::debug, log_level::info, log_level::warning,
                                       log_level::error};
  postfix::log_hook hook;
  for (const auto level : {postfix::log_level::debug, postfix::log_level::info,
                           postfix::log_level::warning, postfix::log_level::error}) {
    hook.level = level;
    if (log.enabled(ours[static_cast<int>(level)])) break;
  }
  if (!log.enabled(log_level::error)) return hook;  // off: no function, nothing is built
  hook.write = [&log](postfix::log_level level, std::string_view line) {
    log.write(ours[static_cast<int>(level)], line);
  };
  return hook;
}

postfix::policy_server make_policy_server(postfix::policy_server_options options,
                                          const policy_engine& engine, metrics& stats,
                                          logger& log) {
  options.workers = engine.may_block() ? std::max(1U, options.workers) : 0U;
  options.fallback = engine.decision_for(verdict::defer);
  postfix::policy_handler handler;
  handler.decide = engine.decider();
  handler.on_answer = [&log](const postfix::answered& a) { report(a, log); };
  stats.server().attach(handler);
  return postfix::policy_server(std::move(options), std::move(handler), log_hook_for(log));
}

}  // namespace ferry::apps::policy
