#include "sql_directory.hpp"

#include <charconv>

#include <ferry/core/error.hpp>

#include "common/mail_store.hpp"

namespace ferry::apps::policy {
namespace {

// A customer named by the CLI is an id when it is all digits, else a name.
customer_ref to_customer(std::string_view customer) {
  if (customer.empty()) return std::string("default");
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(customer.data(), customer.data() + customer.size(), id);
  if (ec == std::errc() && end == customer.data() + customer.size()) return id;
  return std::string(customer);
}

}  // namespace

sql_directory::sql_directory(sql::database_url url, sql::pool_options options)
    : pool_(std::move(url), std::move(options)) {}

std::optional<recipient_status> sql_directory::lookup(std::string_view address) {
  auto session = pool_.acquire();
  const auto info = mail_store(*session).lookup_recipient(address);
  if (!info) return std::nullopt;
  return recipient_status{info->active};
}

std::optional<std::string> sql_directory::readiness_problem() {
  try {
    (void)lookup("readiness-probe@invalid");
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("database: ") + e.what();
  }
}

void sql_directory::init_schema() {
  auto session = pool_.acquire();
  mail_store(*session).init_schema();
}

void sql_directory::add_address(std::string_view address, bool active, std::string_view customer) {
  auto session = pool_.acquire();
  (void)mail_store(*session).add_address(address, to_customer(customer), active);
}

bool sql_directory::remove_address(std::string_view address) {
  auto session = pool_.acquire();
  return mail_store(*session).remove_address(address);
}

bool sql_directory::set_active(std::string_view address, bool active) {
  auto session = pool_.acquire();
  return mail_store(*session).set_active(address, active);
}

std::optional<std::vector<std::string>> sql_directory::set_customer_tier(std::string_view customer,
                                                                         std::string_view tier) {
  auto session = pool_.acquire();
  try {
    return mail_store(*session).set_customer_tier(to_customer(customer), tier);
  } catch (const ferry::error& e) {
    if (e.kind() == errc::not_found) return std::nullopt;
    throw;
  }
}

}  // namespace ferry::apps::policy
