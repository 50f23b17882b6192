// backend.hpp — builds the recipient directory and the rate limits the configuration asks
// for.
//
// This is the seam where the data layer plugs in: `DATABASE_URL=memory:a@x,b@y` gives the in-memory
// directory (demos and tests); any other URL (a SQLite file path, sqlite://, postgresql://)
// gives the mail_store-backed sql_directory. With REDIS_URL set, either is wrapped in the
// Redis cache (ferry::postfix::redis::cached_directory), and every admin write deletes the
// cached answers it makes stale. Rate limits are counted on that Redis (shared by every
// ferry-policyd), or without one by each process on its own.
//
// Thread safety: the returned directory is thread-safe.
// Errors: ferry::error(errc::config) for a missing or bad database URL.
#pragma once

#include <memory>

#include <ferry/core/observer.hpp>
#include <ferry/postfix/redis/cached_directory.hpp>
#include <ferry/postfix/redis/rate_limits.hpp>

#include "config.hpp"
#include "decision.hpp"
#include "log.hpp"

namespace ferry::apps::policy {

using postfix::redis::cached_directory;
using postfix::redis::rate_limits;

struct directory_backend {
  std::shared_ptr<recipient_directory> directory;  ///< What the engine reads.
  std::shared_ptr<recipient_admin> admin;          ///< What the CLI subcommands write.
  std::shared_ptr<cached_directory> cache;         ///< The Redis cache, when configured.
};

/// `log` gets the cache's Redis failures (a warning at most once a minute).
[[nodiscard]] directory_backend open_backend(const app_config& config,
                                             const ferry::observer& log = {});

/// The limits of `limits` on `redis_url` ("": per process, with a warning), logging to
/// `log`; nullptr when no limit is configured.
[[nodiscard]] std::unique_ptr<rate_limits> open_rate_limits(rate_limit_config limits,
                                                            const std::string& redis_url,
                                                            logger& log);

}  // namespace ferry::apps::policy
