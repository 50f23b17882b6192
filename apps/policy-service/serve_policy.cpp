#include "serve_policy.hpp"

#include <algorithm>
#include <string>

namespace ferry::apps::policy {

namespace {

using postfix::first_decision;

// On the event loop: answer now when nothing would block, else hand a worker the rest.
first_decision decide(const policy_engine& engine, const policy_request& request) {
  auto t = engine.triage(request);
  if (t.immediate) return engine.decision_for(*t.immediate);
  const auto known = engine.lookup_now(t.address);
  if (known && (*known != verdict::accept || !engine.has_rate_limits())) {
    return engine.decision_for(*known);
  }
  std::string sender;
  std::string client;
  if (engine.has_rate_limits()) {  // copied only when a worker needs them
    sender = request.sender;
    client = request.client_address;
  }
  return postfix::blocking_decision([&engine, address = std::move(t.address), known,
                                     sender = std::move(sender),
                                     client = std::move(client)]() -> postfix::decision {
    const verdict v = known ? *known : engine.lookup(address);
    // Recipient first, then limits: only an accepted recipient is counted.
    if (v == verdict::accept) {
      if (const auto wait = engine.check_rate_limits(sender, client)) {
        return engine.rate_limited_decision(*wait);
      }
    }
    return engine.decision_for(v);
  });
}

void report(const postfix::answered& a, metrics& stats, logger& log) {
  const auto v = static_cast<verdict>(a.made.kind);
  stats.record_decision(v, a.latency);
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

void count(postfix::server_event e, metrics& stats) {
  using postfix::server_event;
  switch (e) {
    case server_event::connection_opened: stats.connection_opened(); break;
    case server_event::connection_closed: stats.connection_closed(); break;
    case server_event::connection_refused: stats.connection_refused(); break;
    case server_event::protocol_error: stats.protocol_error(); break;
    case server_event::idle_timeout: stats.idle_timeout(); break;
    case server_event::request_timeout: stats.request_timeout(); break;
    case server_event::decision_timeout: stats.decision_timeout(); break;
  }
}

}  // namespace

postfix::log_hook log_hook_for(logger& log) {
  postfix::log_hook hook;
  for (const auto level : {postfix::log_level::debug, postfix::log_level::info,
                           postfix::log_level::warning, postfix::log_level::error}) {
    hook.level = level;
    if (log.enabled(static_cast<log_level>(level))) break;
  }
  if (!log.enabled(log_level::error)) return hook;  // off: no function, nothing is built
  hook.write = [&log](postfix::log_level level, std::string_view line) {
    log.write(static_cast<log_level>(level), line);
  };
  return hook;
}

postfix::policy_server make_policy_server(postfix::policy_server_options options,
                                          const policy_engine& engine, metrics& stats,
                                          logger& log) {
  const bool blocking = engine.directory().may_block() || engine.has_rate_limits();
  options.workers = blocking ? std::max(1U, options.workers) : 0U;
  options.fallback = engine.decision_for(verdict::defer);
  postfix::policy_handler handler;
  handler.decide = [&engine](const policy_request& r) { return decide(engine, r); };
  handler.on_answer = [&stats, &log](const postfix::answered& a) { report(a, stats, log); };
  handler.on_event = [&stats](postfix::server_event e) { count(e, stats); };
  return postfix::policy_server(std::move(options), std::move(handler), log_hook_for(log));
}

}  // namespace ferry::apps::policy
