#include "ferry/celery/protocol/python_repr.hpp"

#include <stdexcept>
#include <vector>

#include "celery_protocol/float_repr.hpp"
#include "celery_protocol/unicode.hpp"

namespace ferry::celery::protocol {
namespace {

// Token text of a scalar as saferepr/repr see it (strings excluded).
std::string scalar_text(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "None";
    case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
    case json::value_t::number_float: return detail::python_float_repr(v.get<double>());
    default: throw std::invalid_argument("python repr: binary values are not supported");
  }
}

// ---- Python repr() ------------------------------------------------------------------------

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, char32_t cp, int width) {
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) {
    out.push_back(hex_digits[(static_cast<unsigned>(cp) >> shift) & 0xF]);
  }
}

// unicode_repr in CPython's Objects/unicodeobject.c.
void repr_string(std::string& out, const std::string& s) {
  const auto cps = detail::utf8_decode(s, "python_repr string");
  bool has_single = false;
  bool has_double = false;
  for (const char32_t cp : cps) {
    has_single |= cp == U'\'';
    has_double |= cp == U'"';
  }
  const char32_t quote = (has_single && !has_double) ? U'"' : U'\'';
  out.push_back(static_cast<char>(quote));
  for (const char32_t cp : cps) {
    if (cp == quote || cp == U'\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == U'\t') {
      out += "\\t";
    } else if (cp == U'\n') {
      out += "\\n";
    } else if (cp == U'\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += "\\x";
      append_hex(out, cp, 2);
    } else if (cp < 0x7F || detail::is_printable(cp)) {
      detail::utf8_append(out, cp);
    } else if (cp <= 0xFF) {
      out += "\\x";
      append_hex(out, cp, 2);
    } else if (cp <= 0xFFFF) {
      out += "\\u";
      append_hex(out, cp, 4);
    } else {
      out += "\\U";
      append_hex(out, cp, 8);
    }
  }
  out.push_back(static_cast<char>(quote));
}

void repr(std::string& out, const json& v, bool as_tuple) {
  if (v.is_string()) {
    repr_string(out, v.get_ref<const std::string&>());
  } else if (v.is_array()) {
    out.push_back(as_tuple ? '(' : '[');
    bool first = true;
    for (const auto& item : v) {
      if (!first) out += ", ";
      first = false;
      repr(out, item, false);
    }
    if (as_tuple && v.size() == 1) out.push_back(',');
    out.push_back(as_tuple ? ')' : ']');
  } else if (v.is_object()) {
    out.push_back('{');
    bool first = true;
    for (const auto& [key, item] : v.items()) {
      if (!first) out += ", ";
      first = false;
      repr_string(out, key);
      out += ": ";
      repr(out, item, false);
    }
    out.push_back('}');
  } else {
    out += scalar_text(v);
  }
}

// ---- celery.utils.saferepr ----------------------------------------------------------------
//
// saferepr streams tokens; before emitting each token it checks the remaining budget and, once
// it is used up, writes ", ..." followed by the closing brackets still pending. A token pulled
// for emission when the budget ran out is lost, so a container whose opening bracket was the
// victim still gets its closer while a closer that was the victim does not. Lengths count code
// points, as Python's len() does.

class safe_writer {
 public:
  safe_writer(std::optional<long long> maxlen, std::size_t maxlevels)
      : maxlen_(maxlen), maxlevels_(maxlevels) {}

  std::u32string finish() { return std::move(out_); }

  void value(const json& v, std::size_t level, bool as_tuple) {
    if (stopped_) return;
    if (v.is_string()) {
      token(quoted(detail::utf8_decode(v.get_ref<const std::string&>(), "saferepr string")));
    } else if (v.is_array() || v.is_object()) {
      container(v, level, as_tuple);
    } else {
      const auto text = scalar_text(v);
      token(truncate(std::u32string(text.begin(), text.end())));
    }
  }

 private:
  void container(const json& v, std::size_t level, bool as_tuple) {
    const std::u32string open = v.is_object() ? U"{" : (as_tuple ? U"(" : U"[");
    const std::u32string close =
        v.is_object() ? U"}" : (as_tuple ? (v.size() == 1 ? U",)" : U")") : U"]");
    if (maxlevels_ != 0 && level >= maxlevels_) {
      token(truncate(open + U"..." + close));
      return;
    }
    closers_.push_back(close);
    token(open);
    if (v.is_object()) {
      std::size_t i = 0;
      for (const auto& [key, item] : v.items()) {
        // Keys go through a nested saferepr call with the remaining budget.
        token(quoted(detail::utf8_decode(key, "saferepr key")));
        token(U": ");
        value(item, level + 1, false);
        if (++i < v.size()) token(U", ");
        if (stopped_) return;
      }
    } else {
      std::size_t i = 0;
      for (const auto& item : v) {
        value(item, level + 1, false);
        if (++i < v.size()) token(U", ");
        if (stopped_) return;
      }
    }
    closers_.pop_back();
    token(close);
  }

  // _format_chars: truncate, then escape only single quotes.
  std::u32string quoted(const std::u32string& s) const {
    std::u32string q = U"'";
    for (const char32_t c : truncate(s)) {
      if (c == U'\'') q.push_back(U'\\');
      q.push_back(c);
    }
    q.push_back(U'\'');
    return q;
  }

  // celery.utils.text.truncate(s, maxlen): cut at maxlen, then back to the last space.
  std::u32string truncate(const std::u32string& s) const {
    if (!maxlen_ || *maxlen_ <= 0) return s;
    const auto limit = static_cast<std::size_t>(*maxlen_);
    if (s.size() < limit) return s;
    std::u32string head = s.substr(0, limit);
    const auto space = head.rfind(U' ');
    if (space != std::u32string::npos) head.resize(space);
    return head + U"...";
  }

  void token(const std::u32string& text) {
    if (stopped_) return;
    if (maxlen_ && *maxlen_ <= 0) {
      out_ += U", ...";
      for (auto it = closers_.rbegin(); it != closers_.rend(); ++it) out_ += *it;
      stopped_ = true;
      return;
    }
    out_ += text;
    if (maxlen_) *maxlen_ -= static_cast<long long>(text.size());
  }

  std::optional<long long> maxlen_;
  std::size_t maxlevels_;
  std::vector<std::u32string> closers_;
  std::u32string out_;
  bool stopped_ = false;
};

}  // namespace

std::string python_repr(const json& value, bool top_level_tuple) {
  std::string out;
  repr(out, value, top_level_tuple && value.is_array());
  return out;
}

std::string celery_saferepr(const json& value, const saferepr_options& options) {
  std::optional<long long> maxlen;
  if (options.maxlen) maxlen = static_cast<long long>(*options.maxlen);
  safe_writer writer(maxlen, options.maxlevels);
  writer.value(value, 0, options.top_level_tuple && value.is_array());
  return detail::utf8_encode(writer.finish());
}

}  // namespace ferry::celery::protocol
