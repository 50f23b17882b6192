#include "ferry/service/admission.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace ferry::service {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Content-Length as RFC 9110 has it: digits only. nullopt when malformed or beyond 2^63.
std::optional<std::uint64_t> parse_length(std::string_view text) {
  text = trimmed(text);
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

admission refuse(int status, std::string_view why) {
  admission a;
  a.refusal = json_error(status, why);
  return a;
}

bool needs_token(const http_route& route, const admission_policy& policy) {
  switch (route.access) {
    case route_access::open: return false;
    case route_access::probe: return policy.listener == listener_kind::main && !policy.probes_open;
    case route_access::token: return true;
  }
  return true;
}

// 401, or 429 when this failure puts the address over the lockout's limit.
admission refuse_auth(const request_head& head, const admission_policy& policy,
                      auth_lockout& lockout, auth_lockout::clock::time_point now) {
  const auto verdict = lockout.record_failure(std::string(head.remote_addr), now);
  admission a;
  a.auth_failed = true;
  if (verdict.locked) {
    a.locked_out = true;
    a.refusal = json_error(429, "too many failed authentication attempts; retry later");
    a.refusal->headers.emplace_back("Retry-After", std::to_string(verdict.retry_after.count()));
    return a;
  }
  a.refusal = json_error(401, head.authorization.empty()
                                  ? "missing bearer token (Authorization: Bearer <token>)"
                                  : "invalid bearer token");
  a.refusal->headers.emplace_back("WWW-Authenticate",
                                  "Bearer realm=\"" + std::string(policy.realm) + "\"");
  return a;
}

// The body rules that need no byte of the body: framing, announced size, encoding.
std::optional<admission> refuse_body(const http_route& route, const request_head& head) {
  const bool chunked = !head.transfer_encoding.empty();
  if (chunked && ascii_lower(trimmed(head.transfer_encoding)) != "chunked") {
    return refuse(400, "unsupported Transfer-Encoding (only chunked)");
  }
  std::uint64_t announced = 0;
  if (head.content_length) {
    if (chunked) return refuse(400, "both Content-Length and Transfer-Encoding");
    const auto n = parse_length(*head.content_length);
    if (!n) return refuse(400, "invalid Content-Length");
    announced = *n;
  }
  const std::string limit = std::to_string(route.max_body);
  if (announced > route.max_body || (chunked && route.max_body == 0)) {
    return refuse(413, route.max_body == 0 ? "this endpoint takes no request body"
                                           : "request body larger than " + limit + " bytes");
  }
  const std::string encoding = ascii_lower(trimmed(head.content_encoding));
  if (!encoding.empty() && encoding != "identity" && encoding != "gzip" && encoding != "deflate") {
    return refuse(415, "unsupported Content-Encoding (identity, gzip or deflate)");
  }
  // cpp-httplib treats exact "gzip"/"deflate" only; another spelling would pass undecoded.
  if (!encoding.empty() && encoding != "identity" && head.content_encoding != encoding) {
    return refuse(415, "Content-Encoding must be lower case");
  }
  if (ascii_lower(head.content_type).rfind("multipart/", 0) == 0) {
    return refuse(415, "multipart request bodies are not accepted");
  }
  return std::nullopt;
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) noexcept {
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty() || authorization.size() <= scheme.size() ||
      authorization.substr(0, scheme.size()) != scheme) {
    return false;
  }
  const auto given = authorization.substr(scheme.size());
  // Time independent of where the first difference is; only the length may show.
  unsigned diff = given.size() == token.size() ? 0U : 1U;
  const std::size_t n = std::max(given.size(), token.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < given.size() ? given[i] : 0);
    const auto y = static_cast<unsigned char>(i < token.size() ? token[i] : 0);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

admission admit(const http_router& routes, const request_head& head, const admission_policy& policy,
                auth_lockout& lockout, auth_lockout::clock::time_point now) {
  auto m = routes.match(head.method, head.path);
  if (m.route && policy.listener == listener_kind::probe &&
      m.route->access != route_access::probe) {
    m = {};  // the probe listener serves probes only
  }
  if (!m.route) {
    if (m.allowed.empty() || policy.listener == listener_kind::probe) {
      return refuse(404, "no such endpoint: " + std::string(head.method) + " " + head.path);
    }
    auto a = refuse(405, "method not allowed: " + std::string(head.method) + " " + head.path);
    std::string allow;
    for (const auto& method : m.allowed) allow += (allow.empty() ? "" : ", ") + method;
    a.refusal->headers.emplace_back("Allow", allow);
    return a;
  }
  if (needs_token(*m.route, policy) && !bearer_matches(head.authorization, policy.token)) {
    return refuse_auth(head, policy, lockout, now);
  }
  if (auto refused = refuse_body(*m.route, head)) return std::move(*refused);
  admission a;
  a.route = m.route;
  a.params = std::move(m.params);
  return a;
}

}  // namespace ferry::service
