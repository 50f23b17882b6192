// sql_directory.hpp — the recipient directory over the deployment's database (mail_store on
// ferry::sql): SQLite by default, PostgreSQL by URL.
//
// Lookups borrow a session from a bounded pool, so the policy server's worker threads share a
// few connections; each statement is bounded by the session's query timeout, and the policy
// server's decision deadline bounds the whole answer (DEFER_IF_PERMIT when the database is
// slow or down). The admin calls write through mail_store, which the email apps share.
//
// Thread safety: thread-safe.
// Errors: ferry::error from ferry::sql (connection_failed, busy, timeout, ...), which the
// policy engine turns into DEFER_IF_PERMIT.
#pragma once

#include <ferry/sql/pool.hpp>

#include "decision.hpp"

namespace ferry::apps::policy {

class sql_directory final : public recipient_directory, public recipient_admin {
 public:
  explicit sql_directory(sql::database_url url, sql::pool_options options = {});

  [[nodiscard]] std::optional<recipient_status> lookup(std::string_view address) override;
  /// Looks up an address that cannot exist: the database answers, the login and the schema
  /// are good.
  [[nodiscard]] std::optional<std::string> readiness_problem() override;

  void init_schema() override;
  void add_address(std::string_view address, bool active, std::string_view customer) override;
  bool remove_address(std::string_view address) override;
  bool set_active(std::string_view address, bool active) override;
  std::optional<std::vector<std::string>> set_customer_tier(std::string_view customer,
                                                            std::string_view tier) override;

 private:
  sql::pool pool_;
};

}  // namespace ferry::apps::policy
