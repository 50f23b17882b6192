#include "ferry/celery/amqp/plugin.hpp"

#include "ferry/celery/registry.hpp"

namespace ferry::celery::amqp {

void register_plugin(transport_options options) {
  for (const char* scheme : {"amqp", "amqps"})
    register_broker(scheme, [options](std::string_view url) -> std::shared_ptr<celery::broker> {
      return std::make_shared<broker>(url, options);
    });
  // Celery spells the py-amqp transport "pyamqp://": the same URL with the scheme amqp.
  register_broker("pyamqp", [options](std::string_view url) -> std::shared_ptr<celery::broker> {
    std::string u{"amqp"};
    u += url.substr(std::string_view("pyamqp").size());
    return std::make_shared<broker>(u, options);
  });
}

}  // namespace ferry::celery::amqp
