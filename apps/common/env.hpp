// env.hpp — reading the deployment's environment variables (RABBITMQ_URL, DB_URL, ...), shared
// by the email apps' configuration: a variable that is unset or empty counts as not given, so
// `FOO= ferry-ingest` falls back to the default instead of configuring an empty value.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace ferry::apps {

[[nodiscard]] inline std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace ferry::apps
