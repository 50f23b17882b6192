#include "backend.hpp"

#include <ferry/core/error.hpp>
#include <ferry/sql/database_url.hpp>

#include "caching_directory.hpp"
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
    std::string_view rest = std::string_view(url).substr(7);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = rest.substr(0, comma);
      if (!item.empty()) dir->add_address(item);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return {dir, dir};
  }
  // Anything else is a database URL (SQLite file or sqlite:// / postgresql://); the parser
  // names what is wrong with a bad one.
  auto dir = std::make_shared<sql_directory>(sql::database_url::parse(url));
  return {dir, dir};
}

}  // namespace

directory_backend open_backend(const app_config& config) {
  auto directory = open_directory(config);
  if (config.redis_url.empty()) return directory;
  auto cached = std::make_shared<caching_directory>(
      std::move(directory), config.redis_url,
      caching_options{config.cache_ok_ttl, config.cache_reject_ttl, config.near_cache_entries});
  return {cached, cached};
}

}  // namespace ferry::apps::policy
