// cli.hpp — `ferry-retry-worker dlq list|requeue|purge`: the admin API's DLQ operations for
// operators without HTTP. Plain text by default, the HTTP API's JSON with --json.
//
// Thread safety: a function of its arguments. Errors: throws what dlq_admin throws; the
// caller maps it to an exit code. Returns 0, or 1 when the id was not found.
#pragma once

#include <ostream>

#include "common/dlq_admin.hpp"
#include "config.hpp"

namespace ferry::apps::retry {

int run_dlq_command(const command& cmd, dlq_admin& admin, std::ostream& out);

}  // namespace ferry::apps::retry
