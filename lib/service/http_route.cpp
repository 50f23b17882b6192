#include "ferry/service/http_route.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace ferry::service {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> http_request::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string http_request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (same_name(k, name)) return v;
  }
  return {};
}

http_response json_error(int status, std::string_view message) {
  // Messages may quote client input: json_text escapes it and replaces invalid UTF-8.
  return detail::json_response(status, nlohmann::json{{"error", std::string(message)}});
}

void http_router::add(std::string method, const std::string& pattern, route_access access,
                      std::size_t max_body, http_handler handler) {
  routes_.push_back({.method = std::move(method),
                     .pattern = std::regex(pattern),
                     .access = access,
                     .max_body = max_body,
                     .handler = std::move(handler)});
}

http_router::match_result http_router::match(std::string_view method,
                                             const std::string& path) const {
  match_result out;
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  for (const auto& r : routes_) {
    std::smatch m;
    if (!std::regex_match(path, m, r.pattern)) continue;
    if (r.method != wanted) {
      if (std::find(out.allowed.begin(), out.allowed.end(), r.method) == out.allowed.end()) {
        out.allowed.push_back(r.method);
      }
      continue;
    }
    out.route = &r;
    for (std::size_t i = 1; i < m.size(); ++i) out.params.push_back(m[i].str());
    out.allowed.clear();
    return out;
  }
  return out;
}

}  // namespace ferry::service
