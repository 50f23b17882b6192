// json_text.hpp — JSON as the service's answers write it (private to lib/service).
//
// Answers quote client input and carry stored bytes (payloads, errors): invalid UTF-8 becomes
// U+FFFD instead of an exception, so a hostile or binary value can never turn an answer into
// a 500.
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "ferry/service/http_route.hpp"

namespace ferry::service::detail {

/// `j` on one line, invalid UTF-8 replaced.
[[nodiscard]] inline std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// An application/json answer of one line of JSON text.
[[nodiscard]] inline http_response json_response(int status, std::string text) {
  return {.status = status,
          .content_type = "application/json",
          .body = std::move(text) + "\n",
          .headers = {}};
}

[[nodiscard]] inline http_response json_response(int status, const nlohmann::json& body) {
  return json_response(status, json_text(body));
}

}  // namespace ferry::service::detail
