// ferry/mail/parsed_message.hpp — the value `parse_message` returns for one email.
//
// Everything here is already decoded: header text is UTF-8 with RFC 2047 encoded-words
// resolved, bodies are UTF-8 whatever charset the sender used, attachment bytes have their
// Content-Transfer-Encoding (base64, quoted-printable) removed. No field refers back to
// GMime: a parsed_message can outlive the parser, be copied, moved and sent across threads.
//
// The one thing to keep in mind: `html_body` is the sender's HTML, unsanitised. Pass it
// through `ferry::mail::sanitize_html` (sanitize.hpp) before showing it to anyone.
//
// Thread safety: value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ferry::mail {

/// One mailbox of an address header: `"Ann Example" <ann@example.org>`.
/// Thread safety: value type; thread-compatible. Errors: none (plain data).
struct mailbox {
  std::string name;     ///< Display name, UTF-8; empty when the header gave none.
  std::string address;  ///< addr-spec as written (`ann@example.org`); may lack a domain.

  friend bool operator==(const mailbox&, const mailbox&) = default;
};

/// One attachment, inline image or forwarded message of a mail.
/// Thread safety: value type; thread-compatible. Errors: none (plain data).
struct attachment {
  /// The sender's file name, decoded (RFC 2231 continuations and charsets, RFC 2047 words);
  /// empty when the part named none. Never use it as a path: see `safe_filename`.
  std::string filename;
  /// `filename` made safe for a file system (safe_filename.hpp); never empty.
  std::string safe_filename;
  /// Lower-case `type/subtype` without parameters, e.g. `image/png`.
  std::string content_type;
  /// Content-ID without the angle brackets (what `cid:` URLs in the HTML body refer to);
  /// empty when the part has none.
  std::string content_id;
  /// True for parts meant to be shown within the body (Content-Disposition: inline, or a
  /// Content-ID without a disposition, as images of multipart/related usually are).
  bool is_inline = false;
  /// The decoded content.
  std::string bytes;
  /// `bytes.size()`, kept separately so metadata can be logged after `bytes` is moved out.
  std::size_t size = 0;
};

/// A parsed email. See the file comment.
/// Thread safety: value type; thread-compatible. Errors: none (plain data).
struct parsed_message {
  std::optional<std::string> message_id;  ///< Message-ID without angle brackets.
  std::string subject;                    ///< Decoded Subject; empty when there is none.
  std::optional<mailbox> from;            ///< First mailbox of From.
  std::vector<mailbox> reply_to;          ///< Reply-To mailboxes (group members flattened).
  std::vector<mailbox> to;                ///< To mailboxes (group members flattened).
  std::vector<mailbox> cc;                ///< Cc mailboxes (group members flattened).
  /// The Date header as an instant; nullopt when missing, unparseable or outside 1824-2116
  /// (the latter two also add a warning).
  std::optional<std::chrono::system_clock::time_point> date;
  std::optional<std::string> in_reply_to;  ///< First message id of In-Reply-To, no brackets.
  std::vector<std::string> references;     ///< References message ids, oldest first.

  /// The plain-text body in UTF-8; empty when the mail has no text/plain body part.
  /// Forwarded messages append their text here after a "Forwarded message" separator.
  std::string text_body;
  /// The HTML body in UTF-8, raw (NOT sanitised); empty when there is no text/html part.
  std::string html_body;
  /// Attachments and inline parts in document order; a forwarded message/rfc822 part is
  /// one attachment (`forwarded.eml`) followed by the attachments it contains.
  std::vector<attachment> attachments;

  /// Defects found while parsing, in human-readable English (e.g. "unknown charset
  /// 'x-foo' in text/plain part; decoded as windows-1252"). A message with warnings is
  /// still usable; apps typically log them.
  std::vector<std::string> warnings;
};

}  // namespace ferry::mail
