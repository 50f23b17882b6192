// Fuzz target: the admin HTTP servers' decisions on request input, all without a socket —
// admission (ferry::service's admission: routing, the bearer token and its lockout, the body's
// announced framing, size and encoding, decided before a body byte is read), the queue names
// and message ids taken from the path (the dead-letter API's and the stores' checks), and the
// JSON answers that echo them or carry dead letters' bytes (json_error, dead_letter_page_json,
// dead_letter_queues_json).
//
// Properties: a request is admitted or refused, never both; an admitted request matched a route
// of its method, carried the exact token where the route needs one, is on a listener that
// serves the route, and announced a body the route accepts (length within its limit, chunked
// only where a body is allowed, identity/gzip/deflate, not multipart); a request with the
// right token is never refused for authentication, whatever the lockout holds; refusals are
// 400/401/404/405/413/415/429 with a JSON body, 429 with Retry-After. An accepted queue name or
// Redis job id holds no character that could act as a Redis glob, a path separator,
// whitespace or a control character (they become key names and SCAN patterns); an accepted
// RabbitMQ message id is printable ASCII without spaces (ids are compared, never used as
// patterns); every answer is one line of valid JSON (valid UTF-8 even for binary payloads) that
// parses back to the same strings when they were valid UTF-8; times render as
// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <ferry/amqp/dlq_store.hpp>
#include <ferry/queue/dlq_store.hpp>
#include <ferry/service/admission.hpp>
#include <ferry/service/auth_lockout.hpp>
#include <ferry/service/dead_letter_admin.hpp>
#include <ferry/service/http_route.hpp>

#include "fuzz_check.hpp"

namespace {

using ferry::fuzz::check;

// Whether `check_fn(text)` accepts `text` (it throws std::invalid_argument when not).
template <typename Check>
bool accepted(Check check_fn, std::string_view text) {
  try {
    check_fn(text);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

// `forbidden`: printable characters refused too.
void check_inert(std::string_view s, std::string_view what, std::string_view forbidden) {
  check(!s.empty(), std::string(what) + " accepted empty");
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    check(b > 0x20 && b < 0x7F && forbidden.find(c) == std::string_view::npos,
          std::string(what) + " accepted with a forbidden, space or control character", s);
  }
}

constexpr std::string_view glob_or_separator = "*?[]\\/";

// One answer as the server sends it: one line of valid UTF-8 JSON, then "\n".
nlohmann::json reparse_text(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  const std::string text(line);
  check(text.find('\n') == std::string::npos, "an answer spans lines", text);
  check(ferry::fuzz::valid_utf8(text), "an answer is not valid UTF-8", text);
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    ferry::fuzz::fail("an answer is not JSON", text);
  }
}

void same_if_utf8(const nlohmann::json& j, const std::string& original, std::string_view what) {
  if (ferry::fuzz::valid_utf8(original)) {
    check(j.is_string() && j.get<std::string>() == original,
          std::string(what) + " changed in the JSON answer", original);
  }
}

bool iso_shape(std::string_view s) {
  const std::string_view pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char want = pattern[i];
    if (want == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != want) return false;
  }
  return true;
}

constexpr std::string_view token = "s3cret-T0ken";

// The shape of the apps' route tables: token routes with and without a body, an open upload,
// the probes.
const ferry::service::http_router& routes() {
  using ferry::service::route_access;
  static const ferry::service::http_router r = [] {
    ferry::service::http_router t;
    const auto none = [](const ferry::service::http_request&) {
      return ferry::service::http_response{};
    };
    t.add("GET", "/admin/dlq/stats", route_access::token, 0, none);
    t.add("GET", R"(/admin/dlq/([^/]+))", route_access::token, 0, none);
    t.add("POST", R"(/admin/dlq/([^/]+)/requeue/([^/]+))", route_access::token, 1024, none);
    t.add("DELETE", R"(/admin/dlq/([^/]+)/([^/]+))", route_access::token, 0, none);
    t.add("POST", "/ingest", route_access::open, 1 << 20, none);
    t.add("GET", "/health", route_access::probe, 0, none);
    t.add("GET", "/ready", route_access::probe, 0, none);
    t.add("GET", "/metrics", route_access::probe, 0, none);
    return t;
  }();
  return r;
}

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return ferry::service::ascii_lower(s);
}

void check_admitted(const ferry::service::admission& a, const ferry::service::request_head& head,
                    const ferry::service::admission_policy& policy) {
  using ferry::service::route_access;
  const auto& route = *a.route;
  const std::string method(head.method);
  check(route.method == method || (method == "HEAD" && route.method == "GET"),
        "admitted to a route of another method", method + " " + head.path);
  const bool needs_token =
      route.access == route_access::token ||
      (route.access == route_access::probe &&
       policy.listener == ferry::service::listener_kind::main && !policy.probes_open);
  check(!needs_token || head.authorization == "Bearer " + std::string(token),
        "admitted without the token", head.path);
  check(policy.listener != ferry::service::listener_kind::probe ||
            route.access == route_access::probe,
        "the probe listener admitted a non-probe route", head.path);
  const bool chunked = !head.transfer_encoding.empty();
  check(!chunked || (lower_trimmed(head.transfer_encoding) == "chunked" && !head.content_length &&
                     route.max_body > 0),
        "admitted a Transfer-Encoding the route cannot take");
  if (head.content_length) {
    const std::string n = lower_trimmed(*head.content_length);
    check(!n.empty() && n.size() <= 18 && n.find_first_not_of("0123456789") == std::string::npos &&
              std::stoull(n) <= route.max_body,
          "admitted a Content-Length the route does not accept", *head.content_length);
  }
  const std::string enc = lower_trimmed(head.content_encoding);
  check(enc.empty() || enc == "identity" || enc == "gzip" || enc == "deflate",
        "admitted an unsupported Content-Encoding", head.content_encoding);
  check(ferry::service::ascii_lower(head.content_type).rfind("multipart/", 0) != 0,
        "admitted a multipart body");
}

void check_refused(const ferry::service::admission& a, const ferry::service::request_head& head) {
  const auto& r = *a.refusal;
  const std::string_view allowed_statuses[] = {"400", "401", "404", "405", "413", "415", "429"};
  const std::string status = std::to_string(r.status);
  check(std::find(std::begin(allowed_statuses), std::end(allowed_statuses), status) !=
            std::end(allowed_statuses),
        "unexpected refusal status", status);
  check(head.authorization != "Bearer " + std::string(token) || !a.auth_failed,
        "the right token was refused for authentication", status);
  const auto body = reparse_text(r.body);
  check(body.is_object() && body.contains("error"), "refusal without an error message", r.body);
  if (r.status == 429) {
    const auto retry = std::find_if(r.headers.begin(), r.headers.end(),
                                    [](const auto& h) { return h.first == "Retry-After"; });
    check(retry != r.headers.end() && std::stoll(retry->second) >= 1, "429 without Retry-After");
  }
}

// A few requests from a few addresses against one lockout, each admitted or refused.
void check_admission(FuzzedDataProvider& in) {
  ferry::service::auth_lockout lockout{{.failures = 3, .window = std::chrono::seconds(60)}};
  ferry::service::admission_policy policy;
  policy.token = token;
  policy.listener =
      in.ConsumeBool() ? ferry::service::listener_kind::probe : ferry::service::listener_kind::main;
  policy.probes_open = in.ConsumeBool();
  auto now = ferry::service::auth_lockout::clock::time_point{};
  static constexpr std::string_view methods[] = {"GET", "POST", "DELETE", "HEAD", "PUT", "get"};
  static constexpr std::string_view addresses[] = {"127.0.0.1", "10.0.0.7", "::1"};
  const int requests = in.ConsumeIntegralInRange(1, 8);
  for (int i = 0; i < requests; ++i) {
    const std::string path = in.ConsumeRandomLengthString(64);
    std::string authorization;
    switch (in.ConsumeIntegralInRange(0, 2)) {
      case 0: authorization = "Bearer " + std::string(token); break;
      case 1: authorization = "Bearer " + in.ConsumeRandomLengthString(20); break;
      default: authorization = in.ConsumeRandomLengthString(20); break;
    }
    const bool has_length = in.ConsumeBool();
    const std::string length = in.ConsumeRandomLengthString(24);
    const std::string transfer = in.ConsumeBool() ? in.ConsumeRandomLengthString(12) : "";
    const std::string encoding = in.ConsumeBool() ? in.ConsumeRandomLengthString(12) : "";
    const std::string type = in.ConsumeRandomLengthString(24);
    ferry::service::request_head head;
    head.method = in.PickValueInArray(methods);
    head.path = path;
    head.remote_addr = in.PickValueInArray(addresses);
    head.authorization = authorization;
    if (has_length) head.content_length = length;
    head.transfer_encoding = transfer;
    head.content_encoding = encoding;
    head.content_type = type;
    now += std::chrono::seconds(in.ConsumeIntegralInRange(0, 90));
    const auto a = ferry::service::admit(routes(), head, policy, lockout, now);
    check(a.route == nullptr ? a.refusal.has_value() : !a.refusal.has_value(),
          "admitted and refused at once (or neither)", path);
    if (a.route != nullptr) {
      check_admitted(a, head, policy);
    } else {
      check_refused(a, head);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    check_admission(in);
    return 0;
  }
  const std::string queue = in.ConsumeRandomLengthString(256);
  const std::string id = in.ConsumeRandomLengthString(300);
  const std::string error_text = in.ConsumeRandomLengthString(200);
  const auto when = std::chrono::system_clock::time_point{
      std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int64_t>(
          -2'000'000'000'000, 7'000'000'000'000))};  // 1906 .. 2191
  const std::string payload = in.ConsumeRemainingBytesAsString();

  if (accepted(ferry::service::check_dead_letter_queue_name, queue)) {
    check_inert(queue, "queue name", glob_or_separator);
  }
  if (accepted(ferry::queue::dlq_store::check_id, id)) {
    check_inert(id, "Redis job id", glob_or_separator);
  }
  if (accepted(ferry::amqp::dlq_store::check_id, id)) check_inert(id, "RabbitMQ message id", "");

  // 404/400 answers quote the path's queue and id.
  const auto err = reparse_text(
      ferry::service::json_error(404, "no dead letter '" + id + "' in queue '" + queue + "'").body);
  check(err.is_object() && err.contains("error") && err["error"].is_string(),
        "error answer without an error string");

  ferry::dead_letter_record r;
  r.source = (size & 1u) != 0 ? "amqp" : "redis";
  r.queue = queue;
  r.id = id;
  r.payload = payload;
  r.error = error_text;
  r.first_failure = when;
  r.dead_at = when;
  r.details.emplace_back("worker", queue);
  const auto j = reparse_text(ferry::service::dead_letter_page_json(
      {.source = r.source, .queue = queue, .total = 1, .offset = 0, .limit = 1, .letters = {r}}));
  const auto& m = j["messages"][0];
  same_if_utf8(j["queue"], queue, "queue name");
  same_if_utf8(m["id"], id, "message id");
  same_if_utf8(m["payload"], payload, "payload");
  same_if_utf8(m["error"], error_text, "error text");
  same_if_utf8(m["details"]["worker"], queue, "a detail");
  check(m["first_failure"].is_string() && iso_shape(m["first_failure"].get<std::string>()),
        "time not rendered as YYYY-MM-DDTHH:MM:SS.mmmZ", m["first_failure"].dump());
  const auto q = reparse_text(ferry::service::dead_letter_queues_json(
      {{.source = r.source, .queue = queue, .count = 3, .exists = true, .counts = {}}}));
  same_if_utf8(q["queues"][0]["queue"], queue, "queue name");
  return 0;
}
