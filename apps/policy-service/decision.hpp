// decision.hpp — what the policy service answers, separated from where answers come from.
//
// `policy_engine` turns a parsed request into a `verdict` and the verdict into the Postfix
// action (ferry::postfix::action) that answers it. Recipient knowledge comes from a
// `recipient_directory`: today an in-memory one (tests, demos), later the Redis-cached SQL
// directory. The engine caches nothing itself; a caching directory wraps the SQL one (OK answers
// 300 s, REJECT answers 60 s).
//
//   memory_directory dir;
//   dir.add_address("known@test.example");
//   policy_engine engine(dir);
//   engine.action_line(engine.decide(request));  // "action=DUNNO\n\n"
//
// The one behaviour to know: a directory failure (an exception, a timeout) is never an accept
// and never a permanent reject; it is DEFER_IF_PERMIT, a 4xx that Postfix retries later.
//
// Thread safety: `policy_engine` is thread-safe if its directory is; `memory_directory` is
// thread-safe (a shared mutex). Errors: `decide` never throws; directory errors become
// `verdict::defer`. Directories throw `ferry::error` on backend failures.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ferry/postfix/action.hpp>
#include <ferry/postfix/policy_request.hpp>
#include <ferry/postfix/policy_server.hpp>

namespace ferry::apps::policy {

using postfix::policy_request;

/// What the directory knows about an address it has.
struct recipient_status {
  bool active = true;  ///< Inactive addresses are rejected like unknown ones.
};

/// An answer a directory already holds: `status` is nullopt for an unknown address.
struct known_answer {
  std::optional<recipient_status> status;
};

/// The lookup seam between the protocol layer and the data layer.
class recipient_directory {
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

  /// For the readiness probe: nullopt when every service the directory uses answers and
  /// accepts its credentials, else what is wrong, naming the service (never a secret). Makes
  /// one round trip per service (bounded by its timeouts). The default has none.
  [[nodiscard]] virtual std::optional<std::string> readiness_problem() { return std::nullopt; }
};

/// The write side the CLI subcommands use (`address add`, `customer set-tier`, ...). The SQL
/// directory will implement it through mail_store; `memory_directory` implements it for tests.
class recipient_admin {
 public:
  virtual ~recipient_admin() = default;
  /// Creates the schema (idempotent).
  virtual void init_schema() = 0;
  /// Adds (or re-activates) `address` for `customer` (created when new; "default" if empty).
  virtual void add_address(std::string_view address, bool active, std::string_view customer) = 0;
  /// False when the address did not exist.
  virtual bool remove_address(std::string_view address) = 0;
  /// False when the address did not exist.
  virtual bool set_active(std::string_view address, bool active) = 0;
  /// The customer's addresses (whose cached answers are now stale), or nullopt when there is
  /// no such customer.
  virtual std::optional<std::vector<std::string>> set_customer_tier(std::string_view customer,
                                                                    std::string_view tier) = 0;
};

/// An in-memory directory: tests, demos, and `DATABASE_URL=memory:a@x,b@y`. Addresses are
/// normalised on the way in, so lookups of normalised addresses find them.
class memory_directory final : public recipient_directory, public recipient_admin {
 public:
  [[nodiscard]] std::optional<recipient_status> lookup(std::string_view address) override;
  [[nodiscard]] bool may_block() const noexcept override { return false; }

  void init_schema() override {}
  void add_address(std::string_view address, bool active, std::string_view customer) override;
  void add_address(std::string_view address, bool active = true) {
    add_address(address, active, {});
  }
  bool remove_address(std::string_view address) override;
  bool set_active(std::string_view address, bool active) override;
  std::optional<std::vector<std::string>> set_customer_tier(std::string_view customer,
                                                            std::string_view tier) override;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, recipient_status> addresses_;
  std::unordered_map<std::string, std::string> tiers_;
};

/// Trims blanks, strips one pair of <>, lower-cases ASCII. nullopt when nothing is left.
/// Lower-casing the local part is this deployment's rule (addresses are case-insensitive here),
/// not RFC 5321's.
[[nodiscard]] std::optional<std::string> normalize_address(std::string_view address);

/// The outcome of one request; each maps to one action text.
enum class verdict : std::uint8_t {
  no_opinion,         ///< Not RCPT state, or not a policy request: DUNNO.
  missing_recipient,  ///< RCPT state without a recipient: DUNNO, logged.
  accept,             ///< Known, active recipient: ok_action (DUNNO by default).
  reject_unknown,     ///< Unknown recipient: REJECT 5.1.1.
  reject_inactive,    ///< Known but inactive recipient: REJECT 5.1.1.
  defer,              ///< Directory failed or was too slow: DEFER_IF_PERMIT.
  rate_limited,       ///< Known recipient, but the sender or client is over a rate limit:
                      ///< DEFER_IF_PERMIT 4.7.1 ... try again in N seconds.
};
inline constexpr std::size_t verdict_count = 7;

/// Stable short names for logs and metric labels ("reject_unknown").
[[nodiscard]] std::string_view to_string(verdict v) noexcept;

struct policy_options {
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

/// What the engine needs to do for a request: answer now, or look an address up first.
struct triage_result {
  std::optional<verdict> immediate;  ///< Set when no lookup is needed.
  std::string address;               ///< Normalised recipient when a lookup is needed.
};

class rate_gate;

class policy_engine {
 public:
  /// `limits` (optional, must outlive the engine): rate limits applied to accepted recipients.
  explicit policy_engine(recipient_directory& directory, policy_options options = {},
                         rate_gate* limits = nullptr);

  /// Decides without touching the directory, or says which address to look up.
  [[nodiscard]] triage_result triage(const policy_request& request) const;
  /// Looks `address` (normalised) up; exceptions become `verdict::defer`.
  [[nodiscard]] verdict lookup(std::string_view address) const noexcept;
  /// The verdict when it is known without blocking (a directory that never blocks, or one
  /// whose in-process cache holds the address), else nullopt.
  [[nodiscard]] std::optional<verdict> lookup_now(std::string_view address) const noexcept;
  /// Whether an accepted recipient must still pass rate limits (a check that may block).
  [[nodiscard]] bool has_rate_limits() const noexcept;
  /// Counts an accepted recipient against the sender's and the client's limits: nullopt when
  /// admitted (or no limits), else the seconds to wait. Never throws (fail-open).
  [[nodiscard]] std::optional<std::chrono::seconds> check_rate_limits(
      std::string_view sender, std::string_view client_address) const noexcept;
  /// triage + lookup + rate limits, synchronously.
  [[nodiscard]] verdict decide(const policy_request& request) const noexcept;

  /// The answer for `v`, labelled with `v` (its `kind`). For `rate_limited`, the text with
  /// "{}" unfilled; use rate_limited_decision().
  [[nodiscard]] postfix::decision decision_for(verdict v) const;
  /// DEFER_IF_PERMIT with the seconds to wait filled in, labelled `rate_limited`.
  [[nodiscard]] postfix::decision rate_limited_decision(std::chrono::seconds retry_after) const;

  /// The full answer for a verdict: "action=...\n\n". For `rate_limited`, the text with
  /// "{}" unfilled; use rate_limited_line().
  [[nodiscard]] const std::string& action_line(verdict v) const noexcept;
  /// "action=DEFER_IF_PERMIT 4.7.1 Rate limit exceeded, try again in N seconds\n\n".
  [[nodiscard]] std::string rate_limited_line(std::chrono::seconds retry_after) const;
  /// The action alone, e.g. "REJECT 5.1.1 User unknown".
  [[nodiscard]] std::string_view action_text(verdict v) const noexcept;

  [[nodiscard]] recipient_directory& directory() const noexcept { return directory_; }

 private:
  recipient_directory& directory_;
  policy_options options_;
  rate_gate* limits_;
  std::vector<postfix::action> actions_;  // indexed by verdict
};

}  // namespace ferry::apps::policy
