// backend.hpp — builds the recipient directory the configuration asks for.
//
// This is the seam where the data layer plugs in: `DATABASE_URL=memory:a@x,b@y` gives the in-memory
// directory (demos and tests); any other URL (a SQLite file path, sqlite://, postgresql://)
// gives the mail_store-backed sql_directory. With REDIS_URL set, either is wrapped in the
// Redis cache (caching_directory).
//
// Thread safety: the returned directory is thread-safe.
// Errors: ferry::error(errc::config) for a missing or bad database URL.
#pragma once

#include <memory>

#include "config.hpp"
#include "decision.hpp"

namespace ferry::apps::policy {

struct directory_backend {
  std::shared_ptr<recipient_directory> directory;  ///< What the engine reads.
  std::shared_ptr<recipient_admin> admin;          ///< What the CLI subcommands write.
};

[[nodiscard]] directory_backend open_backend(const app_config& config);

}  // namespace ferry::apps::policy
