// log.hpp — ferry-policyd logs through ferry::service::line_logger: one line per event on
// stderr, "2026-11-22T17:00:00.123Z info policy_server: listening on ...".
#pragma once

#include <ferry/service/line_logger.hpp>

namespace ferry::apps::policy {

using ferry::log_level;
using logger = service::line_logger;

}  // namespace ferry::apps::policy
