#include "ferry/celery/protocol/kombu_redis.hpp"

#include <algorithm>

#include "ferry/celery/protocol/json.hpp"
#include "ferry/celery/protocol/task_request.hpp"
#include "ferry/core/error.hpp"

namespace ferry::celery::protocol {
namespace {

[[noreturn]] void bad(const std::string& why) {
  throw error(errc::decode_error, "invalid kombu Redis envelope: " + why);
}

constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> opt_string(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad(std::string("'") + key + "' must be a string or null");
  return it->get<std::string>();
}

std::optional<std::uint8_t> opt_small_int(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) bad(std::string("property '") + key + "' must be an integer");
  const auto v = it->get<std::int64_t>();
  if (v < 0 || v > 255) bad(std::string("property '") + key + "' out of range");
  return static_cast<std::uint8_t>(v);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(b64_alphabet[(n >> 18) & 63]);
    out.push_back(b64_alphabet[(n >> 12) & 63]);
    out.push_back(b64_alphabet[(n >> 6) & 63]);
    out.push_back(b64_alphabet[n & 63]);
  }
  const auto rest = bytes.size() - i;
  if (rest > 0) {
    auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out.push_back(b64_alphabet[(n >> 18) & 63]);
    out.push_back(b64_alphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? b64_alphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) throw error(errc::decode_error, "invalid base64: bad length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = b64_value(c);
    if (v < 0) throw error(errc::decode_error, "invalid base64: unexpected character");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string to_kombu_redis_json(const task_message& m, std::string_view exchange,
                                std::string_view routing_key,
                                std::optional<std::string> delivery_tag) {
  const auto& p = m.properties;
  // Key order of kombu 5.2: as_task_v2's properties, send_task's extra options, kombu's
  // delivery_mode/expiration, then the virtual channel's delivery_info/priority/encoding/tag.
  json props = json::object();
  if (p.correlation_id) props["correlation_id"] = *p.correlation_id;
  if (p.reply_to) props["reply_to"] = *p.reply_to;
  for (const auto& [key, value] : p.extra.items()) props[key] = value;
  if (p.delivery_mode) props["delivery_mode"] = *p.delivery_mode;
  if (p.expiration) props["expiration"] = *p.expiration;
  props["delivery_info"] = {{"exchange", exchange}, {"routing_key", routing_key}};
  props["priority"] = p.priority.value_or(0);
  props["body_encoding"] = "base64";
  props["delivery_tag"] = delivery_tag ? std::move(*delivery_tag) : new_task_id();

  json env = json::object();
  env["body"] = base64_encode(m.body);
  env["content-encoding"] = p.content_encoding ? json(*p.content_encoding) : json(nullptr);
  env["content-type"] = p.content_type ? json(*p.content_type) : json(nullptr);
  env["headers"] = m.headers.is_object() ? m.headers : json::object();
  env["properties"] = std::move(props);
  return python_json_dumps(env);
}

kombu_redis_delivery from_kombu_redis_json(std::string_view text) {
  const json env = parse_json(text, "kombu Redis envelope");
  if (!env.is_object()) bad("expected a JSON object");
  kombu_redis_delivery d;
  auto& m = d.message;
  auto& p = m.properties;

  const auto props_it = env.find("properties");
  const json props = props_it == env.end() || props_it->is_null() ? json::object() : *props_it;
  if (!props.is_object()) bad("'properties' must be an object");

  const auto body_it = env.find("body");
  if (body_it == env.end() || !body_it->is_string()) bad("'body' must be a string");
  const auto body_encoding = opt_string(props, "body_encoding");
  if (!body_encoding) {
    m.body = body_it->get<std::string>();  // kombu 5.2: no encoding = literal text
  } else if (*body_encoding == "base64") {
    m.body = base64_decode(body_it->get_ref<const std::string&>());
  } else {
    throw error(errc::unsupported,
                "kombu body_encoding '" + *body_encoding + "' is not supported (only base64)");
  }

  p.content_type = opt_string(env, "content-type");
  p.content_encoding = opt_string(env, "content-encoding");
  if (const auto h = env.find("headers"); h != env.end() && !h->is_null()) {
    if (!h->is_object()) bad("'headers' must be an object");
    m.headers = *h;
  }

  p.correlation_id = opt_string(props, "correlation_id");
  p.reply_to = opt_string(props, "reply_to");
  p.delivery_mode = opt_small_int(props, "delivery_mode");
  p.priority = opt_small_int(props, "priority");
  p.expiration = opt_string(props, "expiration");
  if (const auto tag = opt_string(props, "delivery_tag")) d.delivery_tag = *tag;
  if (const auto di = props.find("delivery_info"); di != props.end() && !di->is_null()) {
    if (!di->is_object()) bad("'delivery_info' must be an object");
    if (const auto ex = opt_string(*di, "exchange")) d.exchange = *ex;
    if (const auto rk = opt_string(*di, "routing_key")) d.routing_key = *rk;
    if (const auto rd = di->find("redelivered"); rd != di->end() && rd->is_boolean()) {
      d.redelivered = rd->get<bool>();
    }
  }
  static constexpr std::string_view known[] = {"correlation_id", "reply_to",     "delivery_mode",
                                               "priority",       "expiration",   "delivery_info",
                                               "delivery_tag",   "body_encoding"};
  for (const auto& [key, value] : props.items()) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) p.extra[key] = value;
  }
  return d;
}

std::string kombu_redis_unacked_value(std::string_view envelope, std::string_view exchange,
                                      std::string_view routing_key) {
  // kombu: dumps([message._raw, EX, RK]); the envelope dict re-serialises to the same text.
  json entry = json::array();
  entry.push_back(parse_json(envelope, "kombu Redis envelope"));
  entry.push_back(exchange);
  entry.push_back(routing_key);
  return python_json_dumps(entry);
}

kombu_redis_unacked_entry parse_kombu_redis_unacked_value(std::string_view text) {
  const json j = parse_json(text, "kombu unacked entry");
  if (!j.is_array() || j.size() != 3 || !j[0].is_object() || !j[1].is_string() ||
      !j[2].is_string()) {
    throw error(errc::decode_error,
                "invalid kombu unacked entry: expected [envelope, exchange, routing_key]");
  }
  return {python_json_dumps(j[0]), j[1].get<std::string>(), j[2].get<std::string>()};
}

std::string kombu_redis_mark_redelivered(std::string_view envelope) {
  json env = parse_json(envelope, "kombu Redis envelope");
  if (!env.is_object()) bad("expected a JSON object");
  // _do_restore_message: both flags, skipped silently when headers/delivery_info are missing.
  const auto h = env.find("headers");
  const auto p = env.find("properties");
  if (h != env.end() && h->is_object() && p != env.end() && p->is_object()) {
    (*h)["redelivered"] = true;
    const auto di = p->find("delivery_info");
    if (di != p->end() && di->is_object()) (*di)["redelivered"] = true;
  }
  return python_json_dumps(env);
}

std::string kombu_redis_queue_for_priority(std::string_view queue, int priority) {
  // kombu priority_steps [0, 3, 6, 9]: the largest step <= the clamped priority.
  const int p = std::clamp(priority, 0, 9);
  const int step = p >= 9 ? 9 : p >= 6 ? 6 : p >= 3 ? 3 : 0;
  std::string name(queue);
  if (step != 0) {
    name += kombu_redis_sep;
    name += static_cast<char>('0' + step);
  }
  return name;
}

std::array<std::string, 4> kombu_redis_priority_queues(std::string_view queue) {
  return {kombu_redis_queue_for_priority(queue, 0), kombu_redis_queue_for_priority(queue, 3),
          kombu_redis_queue_for_priority(queue, 6), kombu_redis_queue_for_priority(queue, 9)};
}

std::string kombu_redis_binding_key(std::string_view exchange) {
  return "_kombu.binding." + std::string(exchange);
}

std::string kombu_redis_binding_member(std::string_view routing_key, std::string_view pattern,
                                       std::string_view queue) {
  std::string m(routing_key);
  m += kombu_redis_sep;
  m += pattern;
  m += kombu_redis_sep;
  m += queue;
  return m;
}

}  // namespace ferry::celery::protocol
