#include "ferry/celery/redis/plugin.hpp"

#include "ferry/celery/registry.hpp"
#include "ferry/redis/client.hpp"

namespace ferry::celery::redis {

void register_plugin(transport_options transport, backend_options backend) {
  for (const char* scheme : {"redis", "rediss", "unix"}) {
    register_broker(scheme, [transport](std::string_view url) -> std::shared_ptr<celery::broker> {
      return std::make_shared<broker>(std::make_shared<ferry::redis::client>(url), transport);
    });
    register_backend(scheme, [backend](std::string_view url) -> std::shared_ptr<result_backend> {
      return std::make_shared<redis::backend>(std::make_shared<ferry::redis::client>(url), backend);
    });
  }
}

}  // namespace ferry::celery::redis
