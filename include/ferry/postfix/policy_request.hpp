// ferry/postfix/policy_request.hpp — the Postfix SMTPD access policy protocol, request side
// (pure, no I/O).
//
// Postfix's `check_policy_service` sends one request as `name=value` lines, each ended by
// "\n", and ends the request with an empty line. The server answers `action=...` followed by
// an empty line; the connection then carries the next request (Postfix keeps it open for up to
// smtpd_policy_service_max_idle, 300 s by default). Names Postfix adds in newer versions must be
// ignored, so only the attributes `policy_request` names are kept; the rest are counted.
//
// `request_parser` is incremental: give it whatever bytes arrived, it consumes complete lines
// and stops after one complete request, so a server that answers requests in order can keep the
// rest buffered. It never allocates per request once its strings have grown.
//
// The one behaviour to rely on: the verdict depends on the bytes, never on how they were
// split. Limits count a line's content without its "\n" or "\r\n", so a line at the limit is
// accepted whether its terminator arrives with it, later, or one byte at a time;
// `parse_stream` feeds a byte stream in chunks of any size and gives the same result for all.
//
//   request_parser parser;
//   auto r = parser.consume(buffer);   // r.consumed bytes of buffer were used
//   if (r.status == parse_status::request_ready) answer(parser.request()), parser.reset();
//
// Thread safety: thread-compatible (one parser per connection).
// Errors: none thrown; malformed input is a `parse_status` the caller acts on (close).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/export.hpp>

namespace ferry::postfix {

/// The attributes of one policy request that policy services commonly read. Absent attributes are
/// empty; `has_*` says whether Postfix sent the attribute at all (an empty sender is the null
/// sender).
struct FERRY_API policy_request {
  std::string request;  ///< "smtpd_access_policy" from Postfix.
  std::string
      protocol_state;  ///< CONNECT, EHLO, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY, ETRN.
  std::string protocol_name;   ///< SMTP or ESMTP.
  std::string sender;          ///< Envelope sender, without <>; empty for the null sender.
  std::string recipient;       ///< Envelope recipient, without <>; present in RCPT state.
  std::string client_address;  ///< The SMTP client's IP address.
  std::string client_name;     ///< Its verified hostname or "unknown".
  std::string helo_name;
  std::string queue_id;  ///< Empty before Postfix assigns one.
  std::string instance;  ///< Same value for all requests of one message transaction.
  std::string sasl_username;
  bool has_recipient = false;
  std::size_t attribute_count = 0;  ///< All attribute lines, known or not.
  std::size_t ignored_count = 0;    ///< Attribute lines with names not kept here.

  /// Empties every field but keeps the strings' capacity (no allocation on reuse).
  void clear() noexcept;

  friend bool operator==(const policy_request&, const policy_request&) = default;
};

enum class parse_status {
  need_more,          ///< No complete request yet; keep the unconsumed bytes and read more.
  request_ready,      ///< `request()` holds a complete request; answer it, then `reset()`.
  line_too_long,      ///< A line (or unterminated tail) exceeds `max_line_bytes`.
  request_too_large,  ///< The request exceeds `max_request_bytes` or `max_attributes`.
  malformed,          ///< A line is not `name=value` (no '=', empty or non-printable name, NUL).
};

/// Short, stable name of a status for logs ("line_too_long").
[[nodiscard]] FERRY_API std::string_view to_string(parse_status status) noexcept;

struct parser_limits {
  /// Longest accepted line, without its "\n" or "\r\n".
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_request_bytes = 256 * 1024;  ///< All lines of one request together.
  std::size_t max_attributes = 1024;           ///< Attribute lines in one request.
};

struct parse_result {
  parse_status status = parse_status::need_more;
  std::size_t consumed = 0;  ///< Bytes of the input used (complete lines only).
};

class FERRY_API request_parser {
 public:
  explicit request_parser(parser_limits limits = {}) : limits_(limits) {}

  /// Consumes complete lines from `input`, stopping after the empty line that ends a request
  /// or at the first error. Bytes after `consumed` must be presented again, unchanged, with
  /// more data appended, on the next call (they are not searched twice). An error is final
  /// for the connection.
  [[nodiscard]] parse_result consume(std::string_view input);

  /// True once a line of the current request has been consumed (a request has begun).
  [[nodiscard]] bool in_request() const noexcept { return request_.attribute_count > 0; }

  /// The request completed by the last `request_ready`.
  [[nodiscard]] const policy_request& request() const noexcept { return request_; }

  /// Starts the next request (after `request_ready`).
  void reset() noexcept;

 private:
  parse_status handle_line(std::string_view line);
  static std::size_t line_length(std::string_view line) noexcept;

  parser_limits limits_;
  policy_request request_;
  std::size_t request_bytes_ = 0;
  std::size_t scanned_ = 0;  // leading bytes of the unconsumed tail known to hold no "\n"
};

/// What a parser made of a whole byte stream: the requests it completed, in order, then how
/// it stopped (`need_more` when the stream ended cleanly or mid-request, else the error).
struct stream_result {
  std::vector<policy_request> requests;
  parse_status end = parse_status::need_more;
  /// Unconsumed bytes at the end when `end` is need_more (a partial request's last line).
  std::size_t pending_bytes = 0;

  friend bool operator==(const stream_result&, const stream_result&) = default;
};

/// Feeds `input` to a fresh parser `chunk` bytes at a time (0: all at once), as a server reads
/// a connection, answering each request as it completes. The result is the same for every
/// `chunk`; tests and fuzzers compare them.
[[nodiscard]] FERRY_API stream_result parse_stream(std::string_view input, std::size_t chunk,
                                                   parser_limits limits = {});

}  // namespace ferry::postfix
