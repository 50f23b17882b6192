// ferry/mail/parse.hpp — parse one raw RFC 5322 / MIME message into a `parsed_message`.
//
// Use it on the bytes an MTA or queue handed you (an .eml file, a RabbitMQ body). It is
// built on GMime 3 and is meant for hostile input: every size and nesting dimension is
// bounded by `parse_options`, malformed structure becomes a `warnings` entry rather than an
// error, and only input that is not a message at all, or that exceeds a limit, throws.
//
//   ferry::mail::parsed_message m = ferry::mail::parse_message(raw);
//   log(m.subject, m.from ? m.from->address : "?");
//   std::string safe = ferry::mail::sanitize_html(m.html_body, ferry::mail::default_policy());
//
// What a reader would otherwise get wrong: the body selection. In multipart/alternative the
// LAST text/plain and the LAST text/html alternative win (RFC 2046: last is best); in
// multipart/mixed every inline text part without a file name is appended in order; parts
// with Content-Disposition: attachment or a file name are attachments, even text ones.
//
// Thread safety: `parse_message` may be called from any number of threads at once. GMime is
// initialised exactly once (std::call_once; g_mime_init itself is not thread-safe) and each
// call creates and releases its own GMime parser, stream, options and objects.
#pragma once

#include <cstddef>
#include <string_view>

#include "ferry/export.hpp"
#include "ferry/mail/parsed_message.hpp"

namespace ferry::mail {

/// Limits applied while parsing. Exceeding any throws `errc::decode_error` naming the field.
/// Thread safety: value type; thread-compatible. Errors: none (plain data).
struct parse_options {
  /// Largest accepted input, in bytes (checked before anything is parsed).
  std::size_t max_size = 64u * 1024 * 1024;
  /// Deepest accepted nesting of multiparts and message/rfc822 parts; the top-level
  /// message body is depth 1. GMime itself stops at 1024 levels, so this never recurses
  /// deeper than that whatever the input.
  std::size_t max_depth = 32;
  /// Most MIME entities (multiparts, leaves, embedded messages) in one message.
  std::size_t max_parts = 1000;
  /// Largest header block of the message or of any part (names + raw values), in bytes.
  std::size_t max_header_bytes = 256u * 1024;
  /// Whether attachments inside a forwarded message/rfc822 are listed (after the
  /// `forwarded.eml` attachment that holds the whole forwarded message).
  bool list_forwarded_attachments = true;
};

/// Parses `raw` (CRLF or LF line endings; a leading mbox "From " line is skipped).
///
/// Errors: `ferry::error` with `errc::decode_error` for empty input, input that does not
/// start with a header field ("not an email message"), and any exceeded `parse_options`
/// limit (the message names the field, e.g. "max_depth (32) exceeded"). Nothing else throws
/// except std::bad_alloc.
[[nodiscard]] FERRY_API parsed_message parse_message(std::string_view raw,
                                                     const parse_options& options = {});

}  // namespace ferry::mail
