// backend.hpp — builds the recipient directory the configuration asks for.
//
// This is the seam where the data layer plugs in: `DB_URL=memory:a@x,b@y` gives the in-memory
// directory (demos and tests); a SQL URL will give the mail_store-backed directory, wrapped in
// the Redis cache when REDIS_URL is set. Until those layers land, a SQL URL is reported as
// unsupported rather than silently serving an empty directory (which would reject all mail).
//
// Thread safety: the returned directory is thread-safe.
// Errors: ferry::error(errc::config) for a missing/bad DB_URL, errc::unsupported for a backend
// this build cannot open yet.
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
