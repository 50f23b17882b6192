#include "ferry/celery/protocol/json.hpp"

#include <cmath>
#include <stdexcept>

#include "celery_protocol/float_repr.hpp"
#include "celery_protocol/unicode.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery::protocol {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned v) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(hex_digits[(v >> shift) & 0xF]);
}

// Python's c_encode_basestring_ascii: only ' '..'~' (minus '"' and '\\') stay literal.
void append_string(std::string& out, const std::string& s) {
  out.push_back('"');
  for (const char32_t cp : detail::utf8_decode(s, "JSON string")) {
    switch (cp) {
      case U'"': out += "\\\""; break;
      case U'\\': out += "\\\\"; break;
      case U'\n': out += "\\n"; break;
      case U'\r': out += "\\r"; break;
      case U'\t': out += "\\t"; break;
      case U'\b': out += "\\b"; break;
      case U'\f': out += "\\f"; break;
      default:
        if (cp >= 0x20 && cp <= 0x7E) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x10000) {
          append_u_escape(out, static_cast<unsigned>(cp));
        } else {
          const auto v = static_cast<unsigned>(cp) - 0x10000u;
          append_u_escape(out, 0xD800u | (v >> 10));
          append_u_escape(out, 0xDC00u | (v & 0x3FFu));
        }
    }
  }
  out.push_back('"');
}

void dump(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null: out += "null"; break;
    case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case json::value_t::number_integer: out += std::to_string(v.get<std::int64_t>()); break;
    case json::value_t::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); break;
    case json::value_t::number_float: {
      // json.dumps uses float.__repr__, and NaN/Infinity (allow_nan=True).
      const double d = v.get<double>();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
      } else {
        out += detail::python_float_repr(d);
      }
      break;
    }
    case json::value_t::string: append_string(out, v.get_ref<const std::string&>()); break;
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        dump(out, item);
      }
      out.push_back(']');
      break;
    }
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_string(out, key);
        out += ": ";
        dump(out, item);
      }
      out.push_back('}');
      break;
    }
    case json::value_t::binary:
    case json::value_t::discarded:
      throw std::invalid_argument("python_json_dumps: binary/discarded values have no JSON form");
  }
}

// nlohmann's parser recurses per nesting level; bound the depth first so hostile input cannot
// exhaust the stack.
void check_depth(std::string_view text, std::string_view what, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        throw error(errc::decode_error, std::string(what) + ": JSON nested deeper than " +
                                            std::to_string(max_depth) + " levels");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

}  // namespace

std::string python_json_dumps(const json& value) {
  std::string out;
  dump(out, value);
  return out;
}

json parse_json(std::string_view text, std::string_view what, const json_parse_options& options) {
  check_depth(text, what, options.max_depth);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    throw error(errc::decode_error, std::string(what) + " is not valid JSON: " + e.what());
  }
}

}  // namespace ferry::celery::protocol
