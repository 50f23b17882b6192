#include <ferry/postfix/policy_request.hpp>

#include <algorithm>

namespace ferry::postfix {

void policy_request::clear() noexcept {
  request.clear();
  protocol_state.clear();
  protocol_name.clear();
  sender.clear();
  recipient.clear();
  client_address.clear();
  client_name.clear();
  helo_name.clear();
  queue_id.clear();
  instance.clear();
  sasl_username.clear();
  has_recipient = false;
  attribute_count = 0;
  ignored_count = 0;
}

std::string_view to_string(parse_status status) noexcept {
  switch (status) {
    case parse_status::need_more: return "need_more";
    case parse_status::request_ready: return "request_ready";
    case parse_status::line_too_long: return "line_too_long";
    case parse_status::request_too_large: return "request_too_large";
    case parse_status::malformed: return "malformed";
  }
  return "unknown";
}

void request_parser::reset() noexcept {
  request_.clear();
  request_bytes_ = 0;
  scanned_ = 0;
}

std::size_t request_parser::line_length(std::string_view line) noexcept {
  // Postfix ends lines with "\n"; a "\r\n" from a human with telnet is accepted too.
  return !line.empty() && line.back() == '\r' ? line.size() - 1 : line.size();
}

parse_result request_parser::consume(std::string_view input) {
  parse_result result;
  while (result.consumed < input.size()) {
    const auto rest = input.substr(result.consumed);
    // Bytes of an unterminated tail seen by an earlier call hold no "\n": the caller presents
    // them again, so they are not searched again (one read per byte for a trickling peer).
    const auto from = std::min(scanned_, rest.size());
    const auto newline = rest.find('\n', from);
    if (newline == std::string_view::npos) {
      scanned_ = rest.size();
      // A line's length never counts its terminator. The tail's last '\r' may be the start of
      // "\r\n", so it is not counted yet: the verdict is the same however the bytes arrive.
      // A tail already longer than any allowed line can never become valid: say so now
      // instead of buffering an attacker's megabytes.
      if (line_length(rest) > limits_.max_line_bytes) result.status = parse_status::line_too_long;
      return result;
    }
    scanned_ = 0;
    const auto line = rest.substr(0, newline);
    result.consumed += newline + 1;
    const auto length = line_length(line);
    if (length > limits_.max_line_bytes) {
      result.status = parse_status::line_too_long;
      return result;
    }
    if (length == 0) {
      result.status = parse_status::request_ready;
      return result;
    }
    request_bytes_ += length + 1;
    if (request_bytes_ > limits_.max_request_bytes ||
        request_.attribute_count >= limits_.max_attributes) {
      result.status = parse_status::request_too_large;
      return result;
    }
    const auto status = handle_line(line.substr(0, length));
    if (status != parse_status::need_more) {
      result.status = status;
      return result;
    }
  }
  return result;
}

parse_status request_parser::handle_line(std::string_view line) {
  const auto eq = line.find('=');
  if (eq == 0 || eq == std::string_view::npos) return parse_status::malformed;
  const auto name = line.substr(0, eq);
  const auto value = line.substr(eq + 1);
  // Postfix attribute names are printable ASCII words; anything else is not Postfix talking.
  const bool name_ok = std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (!name_ok || value.find('\0') != std::string_view::npos) return parse_status::malformed;

  ++request_.attribute_count;
  // Repeated attributes: the last one wins (Postfix never repeats one).
  if (name == "request") {
    request_.request.assign(value);
  } else if (name == "protocol_state") {
    request_.protocol_state.assign(value);
  } else if (name == "protocol_name") {
    request_.protocol_name.assign(value);
  } else if (name == "sender") {
    request_.sender.assign(value);
  } else if (name == "recipient") {
    request_.recipient.assign(value);
    request_.has_recipient = true;
  } else if (name == "client_address") {
    request_.client_address.assign(value);
  } else if (name == "client_name") {
    request_.client_name.assign(value);
  } else if (name == "helo_name") {
    request_.helo_name.assign(value);
  } else if (name == "queue_id") {
    request_.queue_id.assign(value);
  } else if (name == "instance") {
    request_.instance.assign(value);
  } else if (name == "sasl_username") {
    request_.sasl_username.assign(value);
  } else {
    ++request_.ignored_count;
  }
  return parse_status::need_more;
}

stream_result parse_stream(std::string_view input, std::size_t chunk, parser_limits limits) {
  request_parser parser(limits);
  stream_result out;
  std::string buffer;
  const std::size_t step = chunk == 0 ? std::max<std::size_t>(1, input.size()) : chunk;
  for (std::size_t fed = 0; fed < input.size(); fed += step) {
    buffer.append(input.substr(fed, step));
    for (;;) {
      const auto r = parser.consume(buffer);
      buffer.erase(0, r.consumed);
      if (r.status == parse_status::need_more) break;
      if (r.status != parse_status::request_ready) {
        out.end = r.status;
        return out;
      }
      out.requests.push_back(parser.request());
      parser.reset();
    }
  }
  out.pending_bytes = buffer.size();
  return out;
}

}  // namespace ferry::postfix
