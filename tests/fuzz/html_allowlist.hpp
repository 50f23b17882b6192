// html_allowlist.hpp — the property every sanitised HTML must have, checked independently of
// the sanitiser: parsed again (gumbo, as a fragment of <body>, the way a page embedding it
// parses it), it holds only elements and attributes the policy allows, no comment, no event
// handler, and every URL attribute has a scheme the policy allows, the scheme being read as a
// browser reads it (WHATWG URL parsing: leading/trailing C0 controls and spaces trimmed, tab
// and newlines removed, then ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":").
#pragma once

#include <string_view>

#include <ferry/mail/sanitize.hpp>

namespace ferry::fuzz {

/// Aborts with a description (fuzz_check.hpp) unless `html` has the property above.
void check_sanitized_html(std::string_view html, const mail::sanitize_policy& policy);

}  // namespace ferry::fuzz
