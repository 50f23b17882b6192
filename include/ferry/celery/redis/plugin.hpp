// ferry/celery/redis/plugin.hpp — makes open_broker() and open_backend() (ferry/celery/
// registry.hpp) serve redis://, rediss:// and unix:// URLs with this component's broker and
// result backend.
//
// Registration is an explicit call rather than a static initializer: a static library's
// object file that nothing references is not linked, and its initializer would never run.
// Call it once at startup, before the first open_broker()/open_backend(); calling it again
// replaces the options.
//
//   ferry::celery::redis::register_plugin();
//   ferry::celery::client app{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"};
//
// Thread safety: thread-safe.
// Errors: none at registration; the factories throw what ferry::redis::client throws for a
// bad URL (errc::config).
#pragma once

#include "ferry/celery/redis/backend.hpp"
#include "ferry/celery/redis/broker.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::redis {

/// Registers the redis, rediss and unix schemes for brokers (transport `transport`) and
/// result backends (`backend`). Each open opens its own connection pool on the URL.
FERRY_API void register_plugin(transport_options transport = {}, backend_options backend = {});

}  // namespace ferry::celery::redis
