#include "ferry/redis/reply.hpp"

#include <string>

#include "ferry/core/error.hpp"
#include "redis/protocol.hpp"

namespace ferry::redis {
namespace {

const char* kind_name(reply::kind k) noexcept {
  switch (k) {
    case reply::kind::nil: return "nil";
    case reply::kind::integer: return "integer";
    case reply::kind::string: return "string";
    case reply::kind::status: return "status";
    case reply::kind::error: return "error";
    case reply::kind::array: return "array";
  }
  return "unknown";
}

[[noreturn]] void mismatch(const reply& r, const char* wanted) {
  r.throw_if_error();
  throw error(errc::decode_error,
              std::string("expected a Redis ") + wanted + " reply, got " + kind_name(r.type()));
}

}  // namespace

reply reply::make_integer(long long v) {
  return detail::reply_builder::make_integer(v);
}
reply reply::make_string(std::string s) {
  return detail::reply_builder::make(kind::string, std::move(s));
}
reply reply::make_status(std::string s) {
  return detail::reply_builder::make(kind::status, std::move(s));
}
reply reply::make_error(std::string s) {
  return detail::reply_builder::make(kind::error, std::move(s));
}
reply reply::make_array(std::vector<reply> elements) {
  return detail::reply_builder::make_array(std::move(elements));
}

const std::string& reply::as_string() const& {
  if (kind_ != kind::string && kind_ != kind::status) mismatch(*this, "string");
  return str_;
}

std::string reply::as_string() && {
  if (kind_ != kind::string && kind_ != kind::status) mismatch(*this, "string");
  return std::move(str_);
}

std::optional<std::string> reply::as_optional_string() const& {
  if (kind_ == kind::nil) return std::nullopt;
  return as_string();
}

std::optional<std::string> reply::as_optional_string() && {
  if (kind_ == kind::nil) return std::nullopt;
  return std::move(*this).as_string();
}

long long reply::as_integer() const {
  if (kind_ != kind::integer) mismatch(*this, "integer");
  return integer_;
}

std::optional<long long> reply::as_optional_integer() const {
  if (kind_ == kind::nil) return std::nullopt;
  return as_integer();
}

const std::vector<reply>& reply::elements() const& {
  if (kind_ != kind::array && kind_ != kind::nil) mismatch(*this, "array");
  return elements_;
}

std::vector<reply> reply::elements() && {
  if (kind_ != kind::array && kind_ != kind::nil) mismatch(*this, "array");
  return std::move(elements_);
}

const std::string& reply::error_message() const {
  if (kind_ != kind::error) {
    throw error(errc::decode_error,
                std::string("expected a Redis error reply, got ") + kind_name(kind_));
  }
  return str_;
}

void reply::throw_if_error() const {
  if (kind_ == kind::error) detail::throw_error_reply(str_);
}

bool reply::is_error_code(std::string_view code) const noexcept {
  if (kind_ != kind::error || code.empty()) return false;
  std::string_view s = str_;
  return s.starts_with(code) && (s.size() == code.size() || s[code.size()] == ' ');
}

std::string reply::debug_string() const {
  switch (kind_) {
    case kind::nil: return "(nil)";
    case kind::integer: return "(integer) " + std::to_string(integer_);
    case kind::string: return "\"" + str_ + "\"";
    case kind::status: return str_;
    case kind::error: return "(error) " + str_;
    case kind::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements_.size(); ++i) {
        if (i) out += ", ";
        out += elements_[i].debug_string();
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace ferry::redis
