// ferry/postfix/recipient_policy.hpp — recipient validation for Postfix: is this RCPT TO a
// known, active address? — separated from where the addresses are kept.
//
// `recipient_policy` turns a parsed request into a `verdict` and the verdict into the Postfix
// `action` that answers it. Addresses come from a `recipient_directory` you implement over
// your data (a database, a cache in front of it); `memory_directory` is one for tests and
// demos. Optional rate limits (a `rate_check`) apply to accepted recipients only, so an unknown
// recipient never uses a sender's quota. `decider()` makes it a policy_server's `decide`.
//
//   ferry::postfix::memory_directory dir;
//   dir.add_address("known@test.example");
//   ferry::postfix::recipient_policy policy(dir);
//   policy.decide(request);                            // verdict::accept
//   policy.decision_for(verdict::accept).answer.line();  // "action=DUNNO\n\n"
//
// The one behaviour to know: a directory failure (an exception, a timeout) is never an accept
// and never a permanent reject; it is DEFER_IF_PERMIT, a 4xx that Postfix retries later.
//
// Thread safety: `recipient_policy` is thread-safe if its directory and rate check are;
// `memory_directory` is thread-safe (a shared mutex). Errors: the `recipient_policy`
// constructor throws std::invalid_argument for unusable texts; `decide`, `lookup` and the
// rate check never throw (directory errors become `verdict::defer`). Directories throw
// (ideally `ferry::error`) on backend failures.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ferry/export.hpp>
#include <ferry/postfix/action.hpp>
#include <ferry/postfix/policy_request.hpp>
#include <ferry/postfix/policy_server.hpp>

namespace ferry::postfix {

/// What the directory knows about an address it has.
struct recipient_status {
  bool active = true;  ///< Inactive addresses are rejected like unknown ones.
};

/// An answer a directory already holds: `status` is nullopt for an unknown address.
struct known_answer {
  std::optional<recipient_status> status;
};

/// The lookup seam between the protocol and the data layer.
class FERRY_API recipient_directory {
 public:
  virtual ~recipient_directory() = default;

  /// Looks up a normalised address (lower-case, no <>, trimmed). nullopt: unknown address.
  /// Throws (ideally `ferry::error`) when the backend cannot answer; may block.
  [[nodiscard]] virtual std::optional<recipient_status> lookup(std::string_view address) = 0;

  /// False when `lookup` never blocks (in memory): the server then answers inline on its event
  /// loop instead of handing the lookup to a worker thread.
  [[nodiscard]] virtual bool may_block() const noexcept { return true; }

  /// The answer when it is known without blocking (an in-process cache holds it), else
  /// nullopt: the server then answers inline on its event loop, with no thread hand-off, and
  /// hands only the rest to a worker. Never throws; the default knows nothing.
  [[nodiscard]] virtual std::optional<known_answer> lookup_now(std::string_view /*address*/) {
    return std::nullopt;
  }

  /// For a readiness probe: nullopt when every service the directory uses answers and
  /// accepts its credentials, else what is wrong, naming the service (never a secret). Makes
  /// one round trip per service (bounded by its timeouts). The default has none.
  [[nodiscard]] virtual std::optional<std::string> readiness_problem() { return std::nullopt; }
};

/// An in-memory directory: tests and demos. Addresses are normalised on the way in, so
/// lookups of normalised addresses find them.
class FERRY_API memory_directory : public recipient_directory {
 public:
  [[nodiscard]] std::optional<recipient_status> lookup(std::string_view address) override;
  [[nodiscard]] bool may_block() const noexcept override { return false; }

  /// Adds (or re-activates) `address`. std::invalid_argument when nothing is left of it.
  void add_address(std::string_view address, bool active = true);
  /// False when the address did not exist.
  bool remove_address(std::string_view address);
  /// False when the address did not exist.
  bool set_active(std::string_view address, bool active);

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, recipient_status> addresses_;
};

/// Trims blanks, strips one pair of <>, lower-cases ASCII. nullopt when nothing is left.
/// Lower-casing the local part treats addresses as case-insensitive, which most mail systems
/// do, though RFC 5321 does not require it.
[[nodiscard]] FERRY_API std::optional<std::string> normalize_address(std::string_view address);

/// The outcome of one request; each maps to one action text.
enum class verdict : std::uint8_t {
  no_opinion,         ///< Not RCPT state, or not a policy request: DUNNO.
  missing_recipient,  ///< RCPT state without a recipient: DUNNO (worth a warning).
  accept,             ///< Known, active recipient: ok_action (DUNNO by default).
  reject_unknown,     ///< Unknown recipient: REJECT 5.1.1.
  reject_inactive,    ///< Known but inactive recipient: REJECT 5.1.1.
  defer,              ///< Directory failed or was too slow: DEFER_IF_PERMIT.
  rate_limited,       ///< Known recipient, but the sender or client is over a rate limit:
                      ///< DEFER_IF_PERMIT 4.7.1 ... try again in N seconds.
};
inline constexpr std::size_t verdict_count = 7;

/// Stable short names for logs and metric labels ("reject_unknown").
[[nodiscard]] FERRY_API std::string_view to_string(verdict v) noexcept;

struct recipient_policy_options {
  /// Action for a known, active recipient. DUNNO lets later restrictions run; OK stops them.
  std::string ok_action = "DUNNO";
  /// Text after REJECT for unknown/inactive recipients. Postfix turns it into
  /// "554 5.1.1 <rcpt>: Recipient address rejected: User unknown" (code: access_map_reject_code).
  std::string reject_text = "5.1.1 User unknown";
  std::string inactive_text = "5.1.1 User unknown";
  /// Text after DEFER_IF_PERMIT when the directory cannot answer in time.
  std::string defer_text = "Service temporarily unavailable";
  /// Text after DEFER_IF_PERMIT for a rate-limited request; "{}" becomes the seconds to wait.
  std::string rate_limited_text = "4.7.1 Rate limit exceeded, try again in {} seconds";
};

/// Counts one accepted recipient against the limits of its sender and client address: nullopt
/// when admitted, else how long until it would be. May block (a Redis round trip); should
/// fail open (admit) when its store cannot answer.
using rate_check = std::function<std::optional<std::chrono::seconds>(
    std::string_view sender, std::string_view client_address)>;

/// What the policy needs to do for a request: answer now, or look an address up first.
struct triage_result {
  std::optional<verdict> immediate;  ///< Set when no lookup is needed.
  std::string address;               ///< Normalised recipient when a lookup is needed.
};

class FERRY_API recipient_policy {
 public:
  /// `directory` must outlive the policy. `limits` (optional): rate limits applied to
  /// accepted recipients.
  explicit recipient_policy(recipient_directory& directory, recipient_policy_options options = {},
                            rate_check limits = {});

  /// Decides without touching the directory, or says which address to look up.
  [[nodiscard]] triage_result triage(const policy_request& request) const;
  /// Looks `address` (normalised) up; exceptions become `verdict::defer`.
  [[nodiscard]] verdict lookup(std::string_view address) const noexcept;
  /// The verdict when it is known without blocking (a directory that never blocks, or one
  /// whose in-process cache holds the address), else nullopt.
  [[nodiscard]] std::optional<verdict> lookup_now(std::string_view address) const noexcept;
  /// Whether an accepted recipient must still pass rate limits (a check that may block).
  [[nodiscard]] bool has_rate_limits() const noexcept { return static_cast<bool>(limits_); }
  /// The rate check on an accepted recipient: nullopt when admitted (or no limits), else the
  /// seconds to wait. Never throws (an exception admits: fail-open).
  [[nodiscard]] std::optional<std::chrono::seconds> check_rate_limits(
      std::string_view sender, std::string_view client_address) const noexcept;
  /// triage + lookup + rate limits, synchronously.
  [[nodiscard]] verdict decide(const policy_request& request) const noexcept;

  /// The answer for `v`, labelled with `v` (its `kind`). For `rate_limited`, the text with
  /// "{}" unfilled; use rate_limited_decision().
  [[nodiscard]] decision decision_for(verdict v) const;
  /// DEFER_IF_PERMIT with the seconds to wait filled in, labelled `rate_limited`.
  [[nodiscard]] decision rate_limited_decision(std::chrono::seconds retry_after) const;

  /// The full answer for a verdict: "action=...\n\n" (rate_limited: "{}" unfilled).
  [[nodiscard]] const std::string& action_line(verdict v) const noexcept;
  /// "action=DEFER_IF_PERMIT 4.7.1 Rate limit exceeded, try again in N seconds\n\n".
  [[nodiscard]] std::string rate_limited_line(std::chrono::seconds retry_after) const;
  /// The action alone, e.g. "REJECT 5.1.1 User unknown".
  [[nodiscard]] std::string_view action_text(verdict v) const noexcept;

  /// The policy as a policy_server's `decide`: answered on the event loop when nothing would
  /// block (no lookup needed, or the directory knows at once and no rate limit applies), else
  /// a blocking decision for a worker (lookup, then the rate check). Each decision's `kind`
  /// is its verdict. The policy must outlive the server.
  [[nodiscard]] std::function<first_decision(const policy_request&)> decider() const;
  /// Whether the decider ever hands work to a worker (set policy_server_options::workers
  /// to 0 when not).
  [[nodiscard]] bool may_block() const noexcept;

  [[nodiscard]] recipient_directory& directory() const noexcept { return directory_; }

 private:
  recipient_directory& directory_;
  recipient_policy_options options_;
  rate_check limits_;
  std::vector<action> actions_;  // indexed by verdict
};

}  // namespace ferry::postfix
