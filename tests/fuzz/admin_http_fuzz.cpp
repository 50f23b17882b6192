// Fuzz target: what the retry worker's admin API does with request input before any server is
// involved — the queue names and message ids taken from the URL path (dlq_admin's checks,
// applied before Redis or RabbitMQ is touched), and the JSON answers that echo them or carry
// dead letters' bytes (views: error_view, page_view, dump). The HTTP layer itself (routing,
// the bearer token, query parameters) lives inside the cpp-httplib handlers and needs a socket;
// it is exercised by the integration tests instead.
//
// Properties: an accepted queue name or Redis job id holds no character that could act as a
// Redis glob, a path separator, whitespace or a control character (they become key names and
// SCAN patterns); an accepted RabbitMQ message id is printable ASCII without spaces (ids are
// compared, never used as patterns); every answer is one line of valid JSON (valid UTF-8 even
// for binary payloads) that parses back to the same strings when they were valid UTF-8; times
// render as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/dlq_admin.hpp"
#include "fuzz_check.hpp"
#include "views.hpp"

namespace {

using ferry::apps::dlq_admin;
using ferry::apps::dlq_backend;
using ferry::fuzz::check;

bool accepted_queue(std::string_view name) {
  try {
    dlq_admin::check_queue_name(name);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

bool accepted_id(dlq_backend b, std::string_view id) {
  try {
    dlq_admin::check_id(b, id);
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

// One answer as the server sends it: dump() plus "\n".
nlohmann::json reparse(const nlohmann::json& j) {
  const std::string text = ferry::apps::retry::dump(j);
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string queue = in.ConsumeRandomLengthString(256);
  const std::string id = in.ConsumeRandomLengthString(300);
  const std::string error_text = in.ConsumeRandomLengthString(200);
  const auto when = std::chrono::system_clock::time_point{
      std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int64_t>(
          -2'000'000'000'000, 7'000'000'000'000))};  // 1906 .. 2191
  const std::string payload = in.ConsumeRemainingBytesAsString();

  if (accepted_queue(queue)) check_inert(queue, "queue name", glob_or_separator);
  if (accepted_id(dlq_backend::redis, id)) check_inert(id, "Redis job id", glob_or_separator);
  if (accepted_id(dlq_backend::amqp, id)) check_inert(id, "RabbitMQ message id", "");

  // 404/400 answers quote the path's queue and id.
  const auto err = reparse(
      ferry::apps::retry::error_view("no dead letter '" + id + "' in queue '" + queue + "'"));
  check(err.is_object() && err.contains("error") && err["error"].is_string(),
        "error answer without an error string");

  ferry::apps::dlq_page page;
  page.queue = queue;
  page.backend = (size & 1u) != 0 ? dlq_backend::amqp : dlq_backend::redis;
  ferry::apps::dlq_entry e;
  e.id = id;
  e.payload = payload;
  e.error = error_text;
  e.worker = queue;
  e.enqueued_at = when;
  e.dead_at = when;
  page.entries.push_back(e);
  const auto j = reparse(ferry::apps::retry::page_view(page));
  const auto& m = j["messages"][0];
  same_if_utf8(j["queue"], queue, "queue name");
  same_if_utf8(m["id"], id, "message id");
  same_if_utf8(m["payload"], payload, "payload");
  same_if_utf8(m["error"], error_text, "error text");
  check(m["enqueued_at"].is_string() && iso_shape(m["enqueued_at"].get<std::string>()),
        "time not rendered as YYYY-MM-DDTHH:MM:SS.mmmZ", m["enqueued_at"].dump());
  return 0;
}
