#include "ferry/celery/protocol/task_request.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "ferry/celery/protocol/iso8601.hpp"
#include "ferry/celery/protocol/python_repr.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/random.hpp"

namespace ferry::celery::protocol {
namespace {

using std::chrono::system_clock;

[[noreturn]] void bad(const std::string& why) {
  throw error(errc::decode_error, "invalid Celery task message: " + why);
}

json opt(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

// Python writes an int time limit as an int and a float one as a float; integral values are
// written as integers so the common `time_limit=30` round-trips byte for byte.
json seconds_json(const std::optional<task_request::seconds_d>& d) {
  if (!d) return nullptr;
  const double v = d->count();
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 9.0e15) {
    return static_cast<std::int64_t>(v);
  }
  return v;
}

json signatures_json(const std::optional<std::vector<signature>>& list) {
  if (!list) return nullptr;
  json a = json::array();
  for (const auto& s : *list) a.push_back(s.to_json());
  return a;
}

// ---- reading ----------------------------------------------------------------------------------

const json* find(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<std::string> read_opt_string(const json& obj, const char* key, const char* where) {
  const json* v = find(obj, key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    bad(std::string(where) + " '" + key + "' must be a string or null, got " + v->type_name());
  }
  return v->get<std::string>();
}

std::string read_required_string(const json& obj, const char* key, const char* where) {
  const json* v = find(obj, key);
  if (!v || v->is_null()) bad(std::string("missing required ") + where + " '" + key + "'");
  if (!v->is_string()) {
    bad(std::string(where) + " '" + key + "' must be a string, got " + v->type_name());
  }
  auto s = v->get<std::string>();
  if (s.empty()) bad(std::string(where) + " '" + key + "' is empty");
  return s;
}

std::optional<std::int64_t> read_opt_int(const json& obj, const char* key, const char* where) {
  const json* v = find(obj, key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_number_integer() &&
      !(v->is_number_unsigned() &&
        v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    return v->get<std::int64_t>();
  }
  bad(std::string(where) + " '" + key + "' must be an integer or null, got " + v->type_name());
}

bool read_bool(const json& obj, const char* key, const char* where) {
  const json* v = find(obj, key);
  if (!v || v->is_null()) return false;
  if (!v->is_boolean()) {
    bad(std::string(where) + " '" + key + "' must be a boolean, got " + v->type_name());
  }
  return v->get<bool>();
}

std::optional<system_clock::time_point> read_time(const json& obj, const char* key,
                                                  const char* where) {
  const auto text = read_opt_string(obj, key, where);
  if (!text) return std::nullopt;
  try {
    return parse_iso8601(*text);
  } catch (const error& e) {
    bad(std::string(where) + " '" + key + "': " + e.what());
  }
}

void read_timelimit(const json& obj, const char* where, task_request& r) {
  const json* v = find(obj, "timelimit");
  if (!v || v->is_null()) return;
  if (!v->is_array() || v->size() > 2) {
    bad(std::string(where) + " 'timelimit' must be [hard, soft] or null");
  }
  const auto item = [&](std::size_t i) -> std::optional<task_request::seconds_d> {
    if (i >= v->size() || (*v)[i].is_null()) return std::nullopt;
    if (!(*v)[i].is_number()) {
      bad(std::string(where) + " 'timelimit' entries must be numbers or null");
    }
    // A JSON number may be 1e400 (read as infinity): converting that to an integer duration
    // later is undefined, so a limit beyond ~31 years is clamped to it (no limit, in effect).
    const double s = (*v)[i].get<double>();
    if (std::isnan(s)) bad(std::string(where) + " 'timelimit' entries must be numbers or null");
    constexpr double max_limit_s = 1e9;
    return task_request::seconds_d{std::clamp(s, -max_limit_s, max_limit_s)};
  };
  r.time_limit = item(0);
  r.soft_time_limit = item(1);
}

std::optional<std::vector<signature>> read_signatures(const json& obj, const char* key) {
  const json* v = find(obj, key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array()) bad(std::string("'") + key + "' must be a list of signatures or null");
  std::vector<signature> out;
  out.reserve(v->size());
  for (const auto& s : *v) out.push_back(signature::from_json(s));
  return out;
}

void read_embed(const json& embed, task_request& r) {
  if (embed.is_null()) return;
  if (!embed.is_object())
    bad(std::string("body embed must be an object or null, got ") + embed.type_name());
  r.callbacks = read_signatures(embed, "callbacks");
  r.errbacks = read_signatures(embed, "errbacks");
  r.chain = read_signatures(embed, "chain");
  if (const json* c = find(embed, "chord"); c && !c->is_null()) r.chord = signature::from_json(*c);
}

void read_args(const json* args, const json* kwargs, task_request& r) {
  if (args && !args->is_null()) {
    if (!args->is_array()) bad(std::string("args must be an array, got ") + args->type_name());
    r.args = *args;
  }
  if (kwargs && !kwargs->is_null()) {
    if (!kwargs->is_object()) {
      bad(std::string("kwargs must be an object, got ") + kwargs->type_name());
    }
    r.kwargs = *kwargs;
  }
}

constexpr const char* v2_headers[] = {"lang",     "task",       "id",      "shadow",
                                      "eta",      "expires",    "group",   "group_index",
                                      "retries",  "timelimit",  "root_id", "parent_id",
                                      "argsrepr", "kwargsrepr", "origin",  "ignore_result"};

bool is_v2_header(const std::string& key) {
  return std::any_of(std::begin(v2_headers), std::end(v2_headers),
                     [&](const char* h) { return key == h; });
}

task_request parse_v2(const json& headers, const json& body) {
  constexpr const char* where = "header";
  task_request r;
  r.task = read_required_string(headers, "task", where);
  r.id = read_required_string(headers, "id", where);
  if (auto lang = read_opt_string(headers, "lang", where)) r.lang = *lang;
  r.shadow = read_opt_string(headers, "shadow", where);
  r.eta = read_time(headers, "eta", where);
  r.expires = read_time(headers, "expires", where);
  r.group = read_opt_string(headers, "group", where);
  r.group_index = read_opt_int(headers, "group_index", where);
  r.retries = read_opt_int(headers, "retries", where).value_or(0);
  read_timelimit(headers, where, r);
  r.root_id = read_opt_string(headers, "root_id", where);
  r.parent_id = read_opt_string(headers, "parent_id", where);
  r.argsrepr = read_opt_string(headers, "argsrepr", where);
  r.kwargsrepr = read_opt_string(headers, "kwargsrepr", where);
  r.origin = read_opt_string(headers, "origin", where);
  r.ignore_result = read_bool(headers, "ignore_result", where);
  for (const auto& [key, value] : headers.items()) {
    if (!is_v2_header(key)) r.extra_headers[key] = value;
  }
  if (body.is_array()) {
    // The worker unpacks `args, kwargs, embed = body`, so exactly three elements.
    if (body.size() != 3) {
      bad("protocol 2 body must be [args, kwargs, embed], got an array of " +
          std::to_string(body.size()) + " elements");
    }
    if (!body[0].is_array()) bad(std::string("args must be an array, got ") + body[0].type_name());
    read_args(&body[0], &body[1], r);
    read_embed(body[2], r);
  } else if (body.is_object() && body.contains("args")) {
    // Celery's "hybrid" message: v2 headers with a v1-style dict body.
    read_args(find(body, "args"), find(body, "kwargs"), r);
    read_embed(body, r);
  } else {
    bad(std::string("protocol 2 body must be a 3-element array, got ") + body.type_name());
  }
  return r;
}

task_request parse_v1(const json& body) {
  constexpr const char* where = "protocol 1 field";
  task_request r;
  r.protocol = 1;
  r.task = read_required_string(body, "task", where);
  r.id = read_required_string(body, "id", where);
  read_args(find(body, "args"), find(body, "kwargs"), r);
  // Naive times in v1 are local to the sender when "utc" is false; ferry reads them as UTC.
  r.eta = read_time(body, "eta", where);
  r.expires = read_time(body, "expires", where);
  r.group = read_opt_string(body, "group", where);
  if (!r.group) r.group = read_opt_string(body, "taskset", where);
  r.group_index = read_opt_int(body, "group_index", where);
  r.retries = read_opt_int(body, "retries", where).value_or(0);
  read_timelimit(body, where, r);
  r.callbacks = read_signatures(body, "callbacks");
  r.errbacks = read_signatures(body, "errbacks");
  if (const json* c = find(body, "chord"); c && !c->is_null()) r.chord = signature::from_json(*c);
  return r;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

json make_body(const task_request& r) {
  json embed = json::object();
  embed["callbacks"] = signatures_json(r.callbacks);
  embed["errbacks"] = signatures_json(r.errbacks);
  embed["chain"] = signatures_json(r.chain);
  embed["chord"] = r.chord ? r.chord->to_json() : json(nullptr);
  json body = json::array();
  body.push_back(r.args);
  body.push_back(r.kwargs);
  body.push_back(std::move(embed));
  return body;
}

task_message build_message(const task_request& r, const build_options& options) {
  if (r.task.empty()) throw std::invalid_argument("build_message: empty task name");
  if (r.id.empty()) throw std::invalid_argument("build_message: empty task id");
  if (!r.args.is_array()) throw std::invalid_argument("build_message: args must be a JSON array");
  if (!r.kwargs.is_object()) {
    throw std::invalid_argument("build_message: kwargs must be a JSON object");
  }
  if (options.priority && *options.priority > 9)
    throw std::invalid_argument("build_message: priority must be 0..9");

  task_message m;
  // Celery 5.2.6 as_task_v2: these sixteen keys, always, in this order.
  json& h = m.headers;
  h["lang"] = r.lang;
  h["task"] = r.task;
  h["id"] = r.id;
  h["shadow"] = opt(r.shadow);
  h["eta"] = r.eta ? json(format_isoformat(*r.eta)) : json(nullptr);
  h["expires"] = r.expires ? json(format_isoformat(*r.expires)) : json(nullptr);
  h["group"] = opt(r.group);
  h["group_index"] = r.group_index ? json(*r.group_index) : json(nullptr);
  h["retries"] = r.retries;
  h["timelimit"] = json::array({seconds_json(r.time_limit), seconds_json(r.soft_time_limit)});
  h["root_id"] = r.root_id && !r.root_id->empty() ? *r.root_id : r.id;
  h["parent_id"] = opt(r.parent_id);
  h["argsrepr"] = r.argsrepr
                      ? *r.argsrepr
                      : celery_saferepr(r.args, {.maxlen = options.repr_maxsize,
                                                 .top_level_tuple = options.argsrepr_as_tuple});
  h["kwargsrepr"] =
      r.kwargsrepr ? *r.kwargsrepr : celery_saferepr(r.kwargs, {.maxlen = options.repr_maxsize});
  h["origin"] = r.origin ? *r.origin : default_origin();
  h["ignore_result"] = r.ignore_result;
  // apply_async(headers=...) is merged in after them (user headers may override).
  for (const auto& [key, value] : r.extra_headers.items()) h[key] = value;

  auto& p = m.properties;
  p.correlation_id = r.id;
  p.reply_to = options.reply_to;
  p.delivery_mode = options.delivery_mode;
  p.priority = options.priority;
  if (r.expires) {
    // send_task: expiration = seconds until expires (0 when past), kombu: str(int(s * 1000)).
    const auto now = options.now.value_or(system_clock::now());
    // Compared before subtracting: a caller's time_point::min() must not overflow.
    const auto ms = *r.expires <= now
                        ? std::chrono::milliseconds{0}
                        : std::chrono::duration_cast<std::chrono::milliseconds>(*r.expires - now);
    p.expiration = std::to_string(ms.count());
  }
  m.body = python_json_dumps(make_body(r));
  return m;
}

task_request parse_message(const task_message& m, const parse_options& options) {
  const auto& p = m.properties;
  if (!p.content_type) {
    bad("no content_type (expected application/json; Celery 5.2 workers crash on such messages)");
  }
  if (lower(*p.content_type) != "application/json") {
    throw error(errc::unsupported, "Celery message content type '" + *p.content_type +
                                       "' is not supported: ferry reads only JSON-serialized "
                                       "messages (application/json)");
  }
  if (p.content_encoding) {
    const auto enc = lower(*p.content_encoding);
    if (enc != "utf-8" && enc != "utf8") {
      throw error(errc::unsupported, "Celery message content encoding '" + *p.content_encoding +
                                         "' is not supported: ferry reads only utf-8");
    }
  }
  if (!m.headers.is_object()) bad("headers must be an object");
  if (const json* c = find(m.headers, "compression"); c && !c->is_null()) {
    throw error(errc::unsupported, "compressed Celery messages (compression header '" +
                                       (c->is_string() ? c->get<std::string>() : c->dump()) +
                                       "') are not supported");
  }
  if (m.body.size() > options.max_body_bytes) {
    bad("body is " + std::to_string(m.body.size()) + " bytes, over the limit of " +
        std::to_string(options.max_body_bytes));
  }
  const json body = parse_json(m.body, "task body", {.max_depth = options.max_json_depth});
  if (m.headers.contains("task")) return parse_v2(m.headers, body);
  if (body.is_object() && body.contains("task")) return parse_v1(body);
  bad("no 'task' header and the body is not a protocol 1 task (an object with 'task')");
}

std::string new_task_id() {
  // OS randomness, not a seeded engine: forked workers must never send the same id.
  std::uint64_t hi = random_u64();
  std::uint64_t lo = random_u64();
  hi = (hi & ~0xF000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

std::string default_origin() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return "gen" + std::to_string(::getpid()) + "@" + host;
}

}  // namespace ferry::celery::protocol
