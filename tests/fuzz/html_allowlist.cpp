#include "html_allowlist.hpp"

#include <gumbo.h>

#include <memory>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

namespace ferry::fuzz {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The URL as a browser's parser sees it before reading the scheme.
std::string browser_view(std::string_view value) {
  std::size_t b = 0, e = value.size();
  while (b < e && static_cast<unsigned char>(value[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(value[e - 1]) <= 0x20) --e;
  std::string out;
  for (const char c : value.substr(b, e - b)) {
    if (c != '\t' && c != '\n' && c != '\r') out += c;
  }
  return out;
}

// The scheme (lower case) a browser reads from `url`, or "" for a relative URL.
std::string browser_scheme(const std::string& url) {
  if (url.empty() || !is_alpha(url[0])) return {};
  for (std::size_t i = 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == ':') return lower(std::string_view(url).substr(0, i));
    if (!(is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return {};
  }
  return {};
}

void check_url(const std::string& tag, const std::string& name, std::string_view value,
               const mail::sanitize_policy& p) {
  const std::string url = browser_view(value);
  const std::string scheme = browser_scheme(url);
  const std::string where = "<" + tag + " " + name + "=\"" + std::string(value) + "\">";
  if (scheme.empty()) {
    check(p.allow_relative_urls || url.empty() || url[0] == '#', "relative URL kept", where);
    return;
  }
  if (tag == "img" && name == "src") {
    if (scheme == "data") {
      const std::string l = lower(url);
      bool image = false;
      for (const char* prefix : {"data:image/png;base64,", "data:image/gif;base64,",
                                 "data:image/jpeg;base64,", "data:image/webp;base64,"}) {
        image = image || l.rfind(prefix, 0) == 0;
      }
      check(p.allow_data_images && image, "data: URL kept in <img src>", where);
      return;
    }
    check(p.image_url_schemes.count(scheme) != 0, "image URL scheme not allowed", where);
    return;
  }
  check(p.url_schemes.count(scheme) != 0, "URL scheme not allowed", where);
}

void check_style(std::string_view value) {
  std::string css;
  for (const char c : value) {
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) css += c;
  }
  css = lower(css);
  for (const char* bad : {"url(", "expression", "@import", "behavior", "-moz-binding",
                          "javascript:", "vbscript:", "\\", "/*", "<", "image-set("}) {
    check(css.find(bad) == std::string::npos, "unsafe style attribute kept", value);
  }
}

std::string element_name(const GumboNode* node) {
  const GumboElement& el = node->v.element;
  if (el.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(el.tag);
  GumboStringPiece piece = el.original_tag;
  gumbo_tag_from_original_text(&piece);
  return lower(std::string_view(piece.data, piece.length));
}

std::string attribute_name(const GumboAttribute* a) {
  const std::string name = lower(a->name);
  switch (a->attr_namespace) {
    case GUMBO_ATTR_NAMESPACE_XLINK: return "xlink:" + name;
    case GUMBO_ATTR_NAMESPACE_XML: return "xml:" + name;
    case GUMBO_ATTR_NAMESPACE_XMLNS: return "xmlns:" + name;
    default: return name;
  }
}

void check_element(const GumboNode* node, const mail::sanitize_policy& p) {
  const std::string tag = element_name(node);
  check(node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML, "element outside HTML", tag);
  check(p.allowed_tags.count(tag) != 0, "element not allowed", tag);
  const GumboVector& attrs = node->v.element.attributes;
  for (unsigned int i = 0; i < attrs.length; ++i) {
    const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
    const std::string name = attribute_name(a);
    const std::string_view value = a->value != nullptr ? a->value : "";
    check(name.rfind("on", 0) != 0, "event handler attribute", tag + " " + name);
    if (name == "style") {
      check(p.allow_style_attribute, "style attribute kept", tag);
      check_style(value);
      continue;
    }
    const auto specific = p.tag_attributes.find(tag);
    check(p.global_attributes.count(name) != 0 ||
              (specific != p.tag_attributes.end() && specific->second.count(name) != 0),
          "attribute not allowed", tag + " " + name);
    if (p.url_attributes.count(name) != 0) check_url(tag, name, value, p);
  }
}

struct output_deleter {
  void operator()(GumboOutput* o) const noexcept { gumbo_destroy_output(&kGumboDefaultOptions, o); }
};

}  // namespace

void check_sanitized_html(std::string_view html, const mail::sanitize_policy& policy) {
  check(valid_utf8(html), "sanitised HTML is not valid UTF-8", html);
  check(html.find('\0') == std::string_view::npos, "sanitised HTML contains NUL");
  GumboOptions options = kGumboDefaultOptions;
  options.fragment_context = GUMBO_TAG_BODY;
  options.fragment_namespace = GUMBO_NAMESPACE_HTML;
  options.max_errors = 0;
  const std::unique_ptr<GumboOutput, output_deleter> out(
      gumbo_parse_with_options(&options, html.data(), html.size()));
  check(out && out->root != nullptr, "gumbo could not parse the sanitised HTML");
  // The fragment's children hang off the synthetic <html> root, which must stay bare.
  check(out->root->v.element.attributes.length == 0, "attributes reached the root element", html);
  std::vector<const GumboNode*> todo;
  const GumboVector& top = out->root->v.element.children;
  for (unsigned int i = 0; i < top.length; ++i)
    todo.push_back(static_cast<GumboNode*>(top.data[i]));
  while (!todo.empty()) {
    const GumboNode* node = todo.back();
    todo.pop_back();
    switch (node->type) {
      case GUMBO_NODE_COMMENT: fail("comment in sanitised HTML", html);
      case GUMBO_NODE_TEMPLATE: fail("template in sanitised HTML", html);
      case GUMBO_NODE_ELEMENT: {
        check_element(node, policy);
        const GumboVector& children = node->v.element.children;
        for (unsigned int i = 0; i < children.length; ++i) {
          todo.push_back(static_cast<GumboNode*>(children.data[i]));
        }
        break;
      }
      default: break;  // text, whitespace, CDATA
    }
  }
}

}  // namespace ferry::fuzz
