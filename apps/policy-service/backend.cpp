#include "backend.hpp"

#include <ferry/core/error.hpp>
#include <ferry/service/env_reader.hpp>
#include <ferry/sql/database_url.hpp>

#include "sql_directory.hpp"

namespace ferry::apps::policy {

namespace {

directory_backend open_directory(const app_config& config) {
  const std::string& url = config.db_url;
  if (url.empty()) {
    throw ferry::error(errc::config,
                       "no database configured: set DATABASE_URL (or DB_URL, or "
                       "DB_HOST/DB_NAME/...) or --database-url");
  }
  if (url.rfind("memory:", 0) == 0) {
    auto dir = std::make_shared<memory_backend>();
    for (const auto& address : service::split_list(std::string_view(url).substr(7))) {
      dir->add_address(address);
    }
    return {dir, dir, nullptr};
  }
  // Anything else is a database URL (SQLite file or sqlite:// / postgresql://); the parser
  // names what is wrong with a bad one.
  auto dir = std::make_shared<sql_directory>(sql::database_url::parse(url));
  return {dir, dir, nullptr};
}

// The admin side in front of the cache: each write deletes the answers it makes stale, so a
// change is seen at the next RCPT rather than after a TTL.
class invalidating_admin final : public recipient_admin {
 public:
  invalidating_admin(std::shared_ptr<recipient_admin> inner, std::shared_ptr<cached_directory> c)
      : inner_(std::move(inner)), cache_(std::move(c)) {}

  void init_schema() override { inner_->init_schema(); }
  void add_address(std::string_view address, bool active, std::string_view customer) override {
    inner_->add_address(address, active, customer);
    cache_->forget(address);
  }
  bool remove_address(std::string_view address) override {
    return forgetting(address, inner_->remove_address(address));
  }
  bool set_active(std::string_view address, bool active) override {
    return forgetting(address, inner_->set_active(address, active));
  }
  std::optional<std::vector<std::string>> set_customer_tier(std::string_view customer,
                                                            std::string_view tier) override {
    auto stale = inner_->set_customer_tier(customer, tier);
    for (const auto& address : stale.value_or(std::vector<std::string>{})) cache_->forget(address);
    return stale;
  }

 private:
  bool forgetting(std::string_view address, bool result) {
    cache_->forget(address);
    return result;
  }

  std::shared_ptr<recipient_admin> inner_;
  std::shared_ptr<cached_directory> cache_;
};

}  // namespace

directory_backend open_backend(const app_config& config, const ferry::observer& log) {
  auto directory = open_directory(config);
  if (config.redis_url.empty()) return directory;
  auto cached = std::make_shared<cached_directory>(
      std::move(directory.directory), std::make_shared<redis::client>(config.redis_url),
      postfix::redis::cached_directory_options{.ok_ttl = config.cache_ok_ttl,
                                               .reject_ttl = config.cache_reject_ttl,
                                               .near_entries = config.near_cache_entries,
                                               .observer = log});
  return {cached, std::make_shared<invalidating_admin>(std::move(directory.admin), cached), cached};
}

std::unique_ptr<rate_limits> open_rate_limits(rate_limit_config limits,
                                              const std::string& redis_url, logger& log) {
  if (!limits.any()) return nullptr;
  limits.observer = log.observer();
  if (!redis_url.empty()) {
    return std::make_unique<rate_limits>(std::move(limits),
                                         std::make_shared<redis::client>(redis_url));
  }
  log.warning(
      "rate limits: no REDIS_URL; each ferry-policyd process counts on its own (local_limiter)");
  return std::make_unique<rate_limits>(std::move(limits));
}

}  // namespace ferry::apps::policy
