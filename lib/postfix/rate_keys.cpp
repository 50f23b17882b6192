#include "ferry/postfix/rate_keys.hpp"

#include "ferry/core/url_encoding.hpp"
#include "ferry/postfix/recipient_policy.hpp"

namespace ferry::postfix {
namespace {

// '{' and '}' are encoded (not in the safe set), '%' too, so the encoding is one-to-one.
std::string key_text(std::string_view text) {
  return percent_encode(text, "@+!$&'*=^`|~#/?");
}

}  // namespace

rate_keys rate_keys_for(std::string_view sender, std::string_view client_address) {
  rate_keys keys;
  if (const auto who = normalize_address(sender)) keys.sender = "sender:" + key_text(*who);
  if (!client_address.empty()) keys.client = "client:" + key_text(client_address);
  return keys;
}

}  // namespace ferry::postfix
