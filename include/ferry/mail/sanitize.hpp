// ferry/mail/sanitize.hpp — turn untrusted HTML (an email's html_body) into HTML that is safe
// to embed in a web page, using an allowlist policy that is plain data.
//
// The input is parsed with gumbo exactly as a browser would (HTML5 tree construction, entity
// decoding, error recovery), then the tree is walked and re-serialised by ferry: only
// allowed elements and attributes are written, every text node and attribute value is
// re-escaped, comments and doctypes are dropped. Because the output is produced from the
// tree rather than by editing the input, tricks that rely on parser confusion
// (`<<SCRIPT>`, unclosed tags, `<SCRIPT/XSS`, entity-encoded schemes) have nothing to hide in.
//
//   ferry::mail::sanitize_policy p = ferry::mail::default_policy();
//   p.allowed_tags.insert("font");  // policies are data: copy the default and adjust it
//   std::string safe = ferry::mail::sanitize_html(message.html_body, p);
//
// What a reader would otherwise get wrong: the result is a FRAGMENT — the content of the
// document's <body>. <head> (title, meta, base, style, link) never survives.
//
// Thread safety: sanitize_html is reentrant; a policy may be shared by threads as long as
// nobody modifies it meanwhile (thread-compatible).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::mail {

/// What the sanitiser keeps. All names are lower case. Nothing outside these sets survives.
/// Start from `default_policy()` and adjust; an empty policy keeps only text.
/// Thread safety: value type; thread-compatible. Errors: none (plain data).
struct sanitize_policy {
  /// Elements written to the output (HTML names, e.g. "p", "a", "img").
  std::set<std::string> allowed_tags;
  /// Attributes allowed on every allowed element (e.g. "title", "dir", "lang").
  std::set<std::string> global_attributes;
  /// Attributes allowed on one element, by element name (e.g. {"a", {"href", "title"}}).
  std::map<std::string, std::set<std::string>> tag_attributes;
  /// Attributes whose value is a URL. The value is first put in the form a browser reads
  /// (leading/trailing spaces and controls trimmed, tab/CR/LF removed, other spaces and
  /// controls percent-encoded); that form is checked and written.
  std::set<std::string> url_attributes;
  /// Schemes allowed in URL attributes in general (href etc.).
  std::set<std::string> url_schemes;
  /// Schemes allowed for `src` of <img> (typically adds "cid" for inline parts).
  std::set<std::string> image_url_schemes;
  /// Whether `data:image/{png,gif,jpeg,webp}` URLs are allowed in <img src> (never svg).
  bool allow_data_images = false;
  /// Whether URLs without a scheme ("page.html", "//host/x") are kept; fragment-only
  /// URLs ("#top") are always kept.
  bool allow_relative_urls = false;
  /// Whether `style` attributes are kept (after a conservative CSS check that drops any
  /// value containing url(, expression, @import, behavior, -moz-binding, javascript: or
  /// backslash escapes). Off by default: CSS is a large attack surface.
  bool allow_style_attribute = false;
  /// For a disallowed element: true keeps its children (the tag disappears, its text
  /// stays); false drops the whole subtree. Elements in `drop_content_tags` always drop.
  bool unwrap_disallowed = true;
  /// Disallowed elements whose content is never useful or safe to show as text.
  std::set<std::string> drop_content_tags;
  /// Elements nested deeper than this are unwrapped (their text kept); bounds recursion.
  std::size_t max_depth = 256;
  /// Inputs larger than this many bytes throw `decode_error`.
  std::size_t max_input_bytes = 16u * 1024 * 1024;
  /// HTML tree construction costs time proportional to the nesting depth for every tag, so
  /// hostile input (100 000 nested <div>s, or 2 000 followed by a million stray end tags)
  /// would take minutes. A linear pre-scan simulates the nesting from the raw tags and
  /// throws `decode_error` when it exceeds `max_input_nesting`, or when the sum over all
  /// tags of the depth they appear at exceeds `max_input_work`. Both are over-estimates
  /// for sloppy HTML; ordinary mail stays far below (depth < 100, work < 1 000 000).
  std::size_t max_input_nesting = 2000;
  std::size_t max_input_work = 20'000'000;
};

/// The default email policy: formatting, lists, tables, links (http, https, mailto) and
/// images (http, https, cid) with a conservative attribute set; no style, no scripts, no
/// forms, no embedded content, no svg/math, no event handlers.
[[nodiscard]] FERRY_API sanitize_policy default_policy();

/// Sanitises `html` (UTF-8; invalid sequences become U+FFFD) under `policy`.
/// Event-handler attributes (`on*`) are removed even if a policy allows them.
///
/// Errors: `ferry::error` with `errc::decode_error` when `html` exceeds
/// `policy.max_input_bytes`, `max_input_nesting` or `max_input_work` (the message names it).
[[nodiscard]] FERRY_API std::string sanitize_html(std::string_view html,
                                                  const sanitize_policy& policy);

/// `sanitize_html(html, default_policy())`, reusing one default policy.
[[nodiscard]] FERRY_API std::string sanitize_html(std::string_view html);

}  // namespace ferry::mail
