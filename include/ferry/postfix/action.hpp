// ferry/postfix/action.hpp — what a Postfix policy service answers: one `action=` line.
//
// Postfix reads the answer to a policy request as `action=<text>` followed by an empty line,
// and treats <text> like an access(5) table result: DUNNO (no opinion, later restrictions
// decide), OK, REJECT [text], DEFER_IF_PERMIT [text], a numeric "450 4.7.1 text", and so on.
// `action` holds that answer, framed and validated once, so a server writes it unchanged.
//
//   const auto unknown = ferry::postfix::action::reject("5.1.1 User unknown");
//   unknown.line();   // "action=REJECT 5.1.1 User unknown\n\n"
//   unknown.text();   // "REJECT 5.1.1 User unknown"
//
// The one rule a reader would get wrong: text from configuration is untrusted for framing. A
// "\n" inside it would end the answer early and Postfix would read the rest as the answer to
// its next request, so every constructor refuses CR, LF and NUL.
//
// Thread safety: thread-compatible (a value type).
// Errors: the constructors throw std::invalid_argument for an empty action or a CR, LF or NUL
// in the text.
#pragma once

#include <string>
#include <string_view>

#include <ferry/export.hpp>

namespace ferry::postfix {

class FERRY_API action {
 public:
  /// "DUNNO": no opinion; Postfix goes on with its next restriction.
  [[nodiscard]] static action dunno();
  /// "OK": accept; Postfix skips the rest of this restriction list.
  [[nodiscard]] static action ok();
  /// "REJECT <text>": a permanent refusal. Postfix prefixes access_map_reject_code (554).
  [[nodiscard]] static action reject(std::string_view text);
  /// "DEFER_IF_PERMIT <text>": a temporary refusal (4xx), unless a later restriction rejects.
  [[nodiscard]] static action defer_if_permit(std::string_view text);
  /// "DEFER <text>": a temporary refusal (4xx) whatever follows.
  [[nodiscard]] static action defer(std::string_view text);
  /// Any other access(5) result as given ("HOLD", "450 4.7.1 Try later", "PREPEND X-A: b").
  [[nodiscard]] static action custom(std::string_view text);

  /// What follows "action=", e.g. "REJECT 5.1.1 User unknown".
  [[nodiscard]] std::string_view text() const noexcept;
  /// The complete answer as sent: "action=<text>\n\n".
  [[nodiscard]] const std::string& line() const noexcept { return line_; }

  friend bool operator==(const action&, const action&) = default;

 private:
  explicit action(std::string line) : line_(std::move(line)) {}
  static action make(std::string_view verb, std::string_view text);

  std::string line_;
};

}  // namespace ferry::postfix
