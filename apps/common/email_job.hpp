// apps/common/email_job.hpp — the message ingest publishes and the email worker consumes.
//
// The queue body is JSON: `{"message_id": <messages.id>, "email_data": "<raw RFC 5322>"}`, or,
// for a message too large to travel inline, `{"message_id": ..., "email_ref": "<path>"}` where
// the path names the raw message in ingest's spool directory. Exactly one of the two is set.
//   std::string body = ferry::apps::encode_email_job({.message_id = 7, .email_data = raw});
//   ferry::apps::email_job job = ferry::apps::decode_email_job(body);  // throws decode_error
//
// Also here: `header_value`, the small header reader ingest uses to find the Message-ID without
// parsing a (possibly 100 MiB) message.
//
// Thread safety: pure functions and a value type; thread-compatible.
// Errors: `ferry::error(errc::decode_error)` from decode_email_job for anything that is not a
// JSON object with an integer message_id and exactly one of email_data / email_ref strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::apps {

/// One unit of work for the email worker.
struct email_job {
  std::int64_t message_id = 0;              ///< messages.id of the pending record.
  std::optional<std::string> email_data{};  ///< The raw message, inline.
  std::optional<std::string> email_ref{};   ///< Or: the path of the spooled raw message.
};

/// The JSON body (see the file comment). Throws std::invalid_argument unless exactly one of
/// email_data / email_ref is set.
[[nodiscard]] std::string encode_email_job(const email_job& job);

/// Parses a queue body; see Errors in the file comment.
[[nodiscard]] email_job decode_email_job(std::string_view body);

/// The unfolded value of the first header field `name` (case-insensitive) in the header block of
/// `raw` (up to the first empty line), trimmed; nullopt when there is no such field.
[[nodiscard]] std::optional<std::string> header_value(std::string_view raw, std::string_view name);

}  // namespace ferry::apps
