#include "backend.hpp"

#include <ferry/error.hpp>

namespace ferry::apps::policy {

directory_backend open_backend(const app_config& config) {
  const std::string& url = config.db_url;
  if (url.empty()) {
    throw ferry::error(errc::config, "no database configured: set DB_URL or DB_HOST/DB_NAME");
  }
  if (url.rfind("memory:", 0) == 0) {
    auto dir = std::make_shared<memory_directory>();
    std::string_view rest = std::string_view(url).substr(7);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = rest.substr(0, comma);
      if (!item.empty()) dir->add_address(item);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return {dir, dir};
  }
  const auto scheme = url.substr(0, url.find(':'));
  throw ferry::error(errc::unsupported,
                     "database scheme '" + scheme + "' is not wired into ferry-policyd yet");
}

}  // namespace ferry::apps::policy
