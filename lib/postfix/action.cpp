#include <ferry/postfix/action.hpp>

#include <stdexcept>

namespace ferry::postfix {

namespace {

constexpr std::string_view prefix = "action=";
constexpr std::string_view terminator = "\n\n";

}  // namespace

action action::make(std::string_view verb, std::string_view text) {
  // A line break would end the answer early and desynchronise Postfix; a NUL it would cut.
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    throw std::invalid_argument("postfix action: line break or NUL in the text");
  }
  std::string line(prefix);
  line += verb;
  if (!text.empty()) {
    if (!verb.empty()) line += ' ';
    line += text;
  }
  if (line.size() == prefix.size()) throw std::invalid_argument("postfix action: empty action");
  line += terminator;
  return action(std::move(line));
}

action action::dunno() {
  return make("DUNNO", {});
}
action action::ok() {
  return make("OK", {});
}
action action::reject(std::string_view text) {
  return make("REJECT", text);
}
action action::defer_if_permit(std::string_view text) {
  return make("DEFER_IF_PERMIT", text);
}
action action::defer(std::string_view text) {
  return make("DEFER", text);
}
action action::custom(std::string_view text) {
  return make({}, text);
}

std::string_view action::text() const noexcept {
  std::string_view out = line_;
  out.remove_prefix(prefix.size());
  out.remove_suffix(terminator.size());
  return out;
}

}  // namespace ferry::postfix
