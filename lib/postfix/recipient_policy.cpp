#include <ferry/postfix/recipient_policy.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace ferry::postfix {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// A directory's answer as a verdict: unknown and inactive recipients are both rejected.
verdict verdict_for(const std::optional<recipient_status>& status) noexcept {
  if (!status) return verdict::reject_unknown;
  return status->active ? verdict::accept : verdict::reject_inactive;
}

}  // namespace

std::optional<std::string> normalize_address(std::string_view address) {
  auto s = trim(address);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = trim(s.substr(1, s.size() - 2));
  if (s.empty()) return std::nullopt;
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// --- memory_directory ----------------------------------------------------------------------

std::optional<recipient_status> memory_directory::lookup(std::string_view address) {
  std::shared_lock lock(mutex_);
  const auto it = addresses_.find(std::string(address));
  if (it == addresses_.end()) return std::nullopt;
  return it->second;
}

void memory_directory::add_address(std::string_view address, bool active) {
  auto key = normalize_address(address);
  if (!key) throw std::invalid_argument("memory_directory: empty address");
  std::unique_lock lock(mutex_);
  addresses_[*key] = recipient_status{active};
}

bool memory_directory::remove_address(std::string_view address) {
  auto key = normalize_address(address);
  if (!key) return false;
  std::unique_lock lock(mutex_);
  return addresses_.erase(*key) > 0;
}

bool memory_directory::set_active(std::string_view address, bool active) {
  auto key = normalize_address(address);
  if (!key) return false;
  std::unique_lock lock(mutex_);
  const auto it = addresses_.find(*key);
  if (it == addresses_.end()) return false;
  it->second.active = active;
  return true;
}

// --- recipient_policy -------------------------------------------------------------------------

std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::no_opinion: return "no_opinion";
    case verdict::missing_recipient: return "missing_recipient";
    case verdict::accept: return "accept";
    case verdict::reject_unknown: return "reject_unknown";
    case verdict::reject_inactive: return "reject_inactive";
    case verdict::defer: return "defer";
    case verdict::rate_limited: return "rate_limited";
  }
  return "unknown";
}

recipient_policy::recipient_policy(recipient_directory& directory, recipient_policy_options options,
                                   rate_check limits)
    : directory_(directory), options_(std::move(options)), limits_(std::move(limits)) {
  if (options_.ok_action.empty()) throw std::invalid_argument("policy_options: empty ok_action");
  if (options_.rate_limited_text.find("{}") == std::string::npos) {
    throw std::invalid_argument("policy_options: rate_limited_text needs a {} for the seconds");
  }
  // action refuses a line break in configured text (it would desynchronise Postfix).
  try {
    actions_ = {action::dunno(),
                action::dunno(),
                action::custom(options_.ok_action),
                action::reject(options_.reject_text),
                action::reject(options_.inactive_text),
                action::defer_if_permit(options_.defer_text),
                action::defer_if_permit(options_.rate_limited_text)};
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("policy_options: newline in text");
  }
}

triage_result recipient_policy::triage(const policy_request& request) const {
  triage_result result;
  // Only recipient validation is this service's business; every other state (and anything
  // that is not an access policy request) gets "no opinion" so later restrictions decide.
  if (request.request != "smtpd_access_policy" || request.protocol_state != "RCPT") {
    result.immediate = verdict::no_opinion;
    return result;
  }
  auto address = request.has_recipient ? normalize_address(request.recipient) : std::nullopt;
  if (!address) {
    result.immediate = verdict::missing_recipient;
    return result;
  }
  result.address = std::move(*address);
  return result;
}

verdict recipient_policy::lookup(std::string_view address) const noexcept {
  try {
    return verdict_for(directory_.lookup(address));
  } catch (...) {
    // Fail closed but temporary: the sender's MTA retries, nothing is accepted unchecked.
    return verdict::defer;
  }
}

std::optional<verdict> recipient_policy::lookup_now(std::string_view address) const noexcept {
  if (!directory_.may_block()) return lookup(address);
  try {
    const auto known = directory_.lookup_now(address);
    if (!known) return std::nullopt;
    return verdict_for(known->status);
  } catch (...) {
    return std::nullopt;  // let the full lookup (on a worker) decide
  }
}

std::optional<std::chrono::seconds> recipient_policy::check_rate_limits(
    std::string_view sender, std::string_view client_address) const noexcept {
  if (!has_rate_limits()) return std::nullopt;
  try {
    return limits_(sender, client_address);
  } catch (...) {
    return std::nullopt;  // fail-open, as the gate itself is
  }
}

verdict recipient_policy::decide(const policy_request& request) const noexcept {
  try {
    auto t = triage(request);
    if (t.immediate) return *t.immediate;
    // Recipient first: a rejected recipient must not use the sender's quota.
    const auto v = lookup(t.address);
    if (v == verdict::accept && check_rate_limits(request.sender, request.client_address)) {
      return verdict::rate_limited;
    }
    return v;
  } catch (...) {
    return verdict::defer;
  }
}

const std::string& recipient_policy::action_line(verdict v) const noexcept {
  return actions_[static_cast<std::size_t>(v)].line();
}

decision recipient_policy::decision_for(verdict v) const {
  return {actions_[static_cast<std::size_t>(v)], static_cast<unsigned>(v)};
}

decision recipient_policy::rate_limited_decision(std::chrono::seconds retry_after) const {
  std::string text(action_text(verdict::rate_limited));
  text.replace(text.find("{}"), 2, std::to_string(std::max<long long>(1, retry_after.count())));
  return {action::custom(text), static_cast<unsigned>(verdict::rate_limited)};
}

std::string recipient_policy::rate_limited_line(std::chrono::seconds retry_after) const {
  return rate_limited_decision(retry_after).answer.line();
}

std::string_view recipient_policy::action_text(verdict v) const noexcept {
  return actions_[static_cast<std::size_t>(v)].text();
}

bool recipient_policy::may_block() const noexcept {
  return directory_.may_block() || has_rate_limits();
}

std::function<first_decision(const policy_request&)> recipient_policy::decider() const {
  return [this](const policy_request& request) -> first_decision {
    auto t = triage(request);
    if (t.immediate) return decision_for(*t.immediate);
    const auto known = lookup_now(t.address);
    if (known && (*known != verdict::accept || !has_rate_limits())) return decision_for(*known);
    std::string sender;
    std::string client;
    if (has_rate_limits()) {  // copied only when the worker needs them
      sender = request.sender;
      client = request.client_address;
    }
    return blocking_decision([this, address = std::move(t.address), known,
                              sender = std::move(sender), client = std::move(client)] {
      const verdict v = known ? *known : lookup(address);
      // Recipient first, then limits: only an accepted recipient is counted.
      if (v == verdict::accept) {
        if (const auto wait = check_rate_limits(sender, client)) {
          return rate_limited_decision(*wait);
        }
      }
      return decision_for(v);
    });
  };
}

}  // namespace ferry::postfix
