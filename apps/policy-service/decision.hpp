// decision.hpp — ferry-policyd's recipient rules: ferry::postfix's recipient_policy, plus the
// write side its admin subcommands use.
//
// The policy (verdicts, action texts, the directory seam, rate limits on accepted recipients)
// is ferry::postfix::recipient_policy; this header names it in the app's namespace and adds
// `recipient_admin`, which the SQL directory implements through mail_store and
// `memory_backend` implements for `DATABASE_URL=memory:a@x,b@y`.
//
//   memory_backend dir;
//   dir.add_address("known@test.example");
//   policy_engine engine(dir);
//   engine.action_line(engine.decide(request));  // "action=DUNNO\n\n"
//
// Thread safety: `memory_backend` is thread-safe. Errors: recipient_admin implementations
// throw ferry::error on backend failures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/postfix/policy_request.hpp>
#include <ferry/postfix/recipient_handler.hpp>
#include <ferry/postfix/recipient_policy.hpp>

namespace ferry::apps::policy {

using postfix::known_answer;
using postfix::memory_directory;
using postfix::normalize_address;
using postfix::policy_request;
using postfix::policy_server;
using postfix::policy_server_options;
using postfix::recipient_directory;
using postfix::recipient_server;
using postfix::recipient_status;
using postfix::triage_result;
using postfix::verdict;
using postfix::verdict_count;
using policy_engine = postfix::recipient_policy;
using policy_options = postfix::recipient_policy_options;

/// The write side the CLI subcommands use (`address add`, `customer set-tier`, ...).
class recipient_admin {
 public:
  virtual ~recipient_admin() = default;
  /// Creates the schema (idempotent).
  virtual void init_schema() = 0;
  /// Adds (or re-activates) `address` for `customer` (created when new; "default" if empty).
  virtual void add_address(std::string_view address, bool active, std::string_view customer) = 0;
  /// False when the address did not exist.
  virtual bool remove_address(std::string_view address) = 0;
  /// False when the address did not exist.
  virtual bool set_active(std::string_view address, bool active) = 0;
  /// The customer's addresses (whose cached answers are now stale), or nullopt when there is
  /// no such customer.
  virtual std::optional<std::vector<std::string>> set_customer_tier(std::string_view customer,
                                                                    std::string_view tier) = 0;
};

/// The in-memory directory with the admin side (it keeps no customers: a tier change makes no
/// answer stale).
class memory_backend final : public memory_directory, public recipient_admin {
 public:
  void init_schema() override {}
  void add_address(std::string_view address, bool active, std::string_view) override {
    memory_directory::add_address(address, active);
  }
  void add_address(std::string_view address, bool active = true) {
    memory_directory::add_address(address, active);
  }
  bool remove_address(std::string_view address) override {
    return memory_directory::remove_address(address);
  }
  bool set_active(std::string_view address, bool active) override {
    return memory_directory::set_active(address, active);
  }
  std::optional<std::vector<std::string>> set_customer_tier(std::string_view,
                                                            std::string_view) override {
    return std::vector<std::string>{};
  }
};

}  // namespace ferry::apps::policy
