// ferry/postfix/rate_keys.hpp — the keys a Postfix policy counts an accepted recipient under
// for rate limits: one for its envelope sender, one for its client's address.
//
// Postfix asks once per RCPT TO, so a policy service limits senders and clients by counting
// recipients under these keys in a limiter of its choice (ferry::ratelimit's, keyed "sender:..."
// and "client:...").
//
//   const auto keys = ferry::postfix::rate_keys_for(request.sender, request.client_address);
//   if (keys.sender && !sender_limiter.acquire(*keys.sender)) defer();
//   if (keys.client && !client_limiter.acquire(*keys.client)) defer();
//
// The rules a reader would get wrong: the sender is normalised (normalize_address: trimmed,
// <> stripped, lower-cased), so case and brackets do not make a new quota; the null sender
// (every bounce, from everywhere) has no sender key, since one quota for all of them would
// throttle every bounce; a request without a client address has no client key. Keys are
// percent-encoded: they never hold '{' or '}' (a Redis hash tag, which ferry's limiters
// refuse), and two different addresses never share one.
//
// Thread safety: a pure function. Errors: none but std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <ferry/export.hpp>

namespace ferry::postfix {

struct rate_keys {
  std::optional<std::string> sender;  ///< "sender:<normalised address>"; none for <>.
  std::optional<std::string> client;  ///< "client:<address>"; none when it is empty.
};

[[nodiscard]] FERRY_API rate_keys rate_keys_for(std::string_view sender,
                                                std::string_view client_address);

}  // namespace ferry::postfix
