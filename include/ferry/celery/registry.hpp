// ferry/celery/registry.hpp — open a Celery broker or result backend from its URL, whichever
// transport plug-in serves the scheme.
//
// The runtime (worker, client) knows no transport. Plug-ins register factories by URL scheme:
// ferry::celery::redis::register_plugin() (redis://, rediss://, unix://; broker and backend),
// ferry::celery::amqp::register_plugin() (amqp://, amqps://, pyamqp://; broker). "memory://"
// (memory_broker, memory_backend) is built in. open_broker()/open_backend() then pick the
// factory from the URL's scheme.
//
// The one behaviour a reader would get wrong: registration is explicit. Static libraries drop
// object files nothing references, so a plug-in that registered itself from a static
// initializer would silently be missing; a call to register_plugin() references the plug-in,
// so it is linked whenever it is used. Calling it twice is harmless (the later one wins).
//
//   ferry::celery::redis::register_plugin();
//   ferry::celery::amqp::register_plugin();
//   auto broker = ferry::celery::open_broker(std::getenv("CELERY_BROKER_URL"));
//   auto backend = ferry::celery::open_backend("redis://127.0.0.1:6379/1");
//
// Thread safety: thread-safe (one mutex around the scheme tables; factories run outside it).
// Errors: errc::config for a URL without a scheme or with one nothing registered (the message
// names the registered schemes and never shows the password); what the factory throws.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/broker.hpp"
#include "ferry/celery/result_backend.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// Builds a broker for a URL of a registered scheme.
using broker_factory = std::function<std::shared_ptr<broker>(std::string_view url)>;
/// Builds a result backend for a URL of a registered scheme.
using backend_factory = std::function<std::shared_ptr<result_backend>(std::string_view url)>;

/// Serves `scheme` (e.g. "redis", without "://") with `factory`; replaces an earlier one.
FERRY_API void register_broker(std::string scheme, broker_factory factory);
/// Serves `scheme` with `factory`; replaces an earlier one.
FERRY_API void register_backend(std::string scheme, backend_factory factory);

/// A broker for `url` from the factory registered for its scheme.
[[nodiscard]] FERRY_API std::shared_ptr<broker> open_broker(std::string_view url);
/// A result backend for `url` from the factory registered for its scheme.
[[nodiscard]] FERRY_API std::shared_ptr<result_backend> open_backend(std::string_view url);

/// The schemes served now, sorted (for messages and --help).
[[nodiscard]] FERRY_API std::vector<std::string> broker_schemes();
[[nodiscard]] FERRY_API std::vector<std::string> backend_schemes();

}  // namespace ferry::celery
