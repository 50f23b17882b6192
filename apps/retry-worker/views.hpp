// views.hpp — the JSON documents of the admin API, shared by the HTTP handlers and the
// `dlq ... --json` CLI so both print exactly the same shapes (see docs/retry-worker.md).
//
// Payloads are bytes: invalid UTF-8 is replaced by U+FFFD in `payload` (the exact bytes stay
// in Redis/RabbitMQ). Times are ISO 8601 UTC with milliseconds, or null when unknown.
//
// Thread safety: pure functions. Errors: none.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/dlq_admin.hpp"

namespace ferry::apps::retry {

/// "2026-11-22T20:15:03.120Z".
[[nodiscard]] std::string iso8601(std::chrono::system_clock::time_point t);

/// {"queues":[{"queue","backend","dead",...}],"total_dead":N}
[[nodiscard]] nlohmann::json stats_view(const std::vector<dlq_summary>& stats);
/// {"queue","backend","total","offset","limit","messages":[...]}
[[nodiscard]] nlohmann::json page_view(const dlq_page& page);
/// {"error": message}
[[nodiscard]] nlohmann::json error_view(std::string_view message);

/// Serialises without throwing on invalid UTF-8 (replaced by U+FFFD).
[[nodiscard]] std::string dump(const nlohmann::json& j);

}  // namespace ferry::apps::retry
