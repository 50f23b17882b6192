#include "serve_policy.hpp"

#include <utility>

#include <ferry/postfix/recipient_handler.hpp>

namespace ferry::apps::policy {

postfix::policy_server make_policy_server(postfix::policy_server_options options,
                                          const policy_engine& engine, metrics& stats,
                                          logger& log) {
  const auto lines = log.observer();
  auto handler = postfix::recipient_handler(engine, lines);
  stats.server().attach(handler);
  return postfix::policy_server(postfix::recipient_server_options(engine, std::move(options)),
                                std::move(handler), postfix::log_hook_for(lines));
}

}  // namespace ferry::apps::policy
