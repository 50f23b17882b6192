#include "ferry/cache/report.hpp"

#include <fmt/format.h>

#include <charconv>
#include <exception>

#include "ferry/core/error.hpp"

namespace ferry::cache {

namespace {

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "keys=12,expires=3,avg_ttl=0" -> the value of `field`.
std::uint64_t field_of(std::string_view line, std::string_view field) {
  std::string needle = std::string(field) + "=";
  auto at = line.find(needle);
  if (at == std::string_view::npos) return 0;
  auto rest = line.substr(at + needle.size());
  return to_u64(rest.substr(0, rest.find(',')));
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

const char* boolean(bool b) {
  return b ? "true" : "false";
}

}  // namespace

redis_info parse_info(std::string_view info, int db) {
  redis_info r;
  r.reachable = true;
  std::string db_prefix = "db" + std::to_string(db);
  while (!info.empty()) {
    auto eol = info.find('\n');
    std::string_view line = info.substr(0, eol);
    info.remove_prefix(eol == std::string_view::npos ? info.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string_view::npos) continue;
    std::string_view k = line.substr(0, colon);
    std::string_view v = line.substr(colon + 1);
    if (k == "redis_version")
      r.version = v;
    else if (k == "used_memory")
      r.used_memory = to_u64(v);
    else if (k == "used_memory_human")
      r.used_memory_human = v;
    else if (k == "used_memory_peak")
      r.used_memory_peak = to_u64(v);
    else if (k == "maxmemory")
      r.maxmemory = to_u64(v);
    else if (k == "maxmemory_policy")
      r.maxmemory_policy = v;
    else if (k == "connected_clients")
      r.connected_clients = to_u64(v);
    else if (k == "keyspace_hits")
      r.keyspace_hits = to_u64(v);
    else if (k == "keyspace_misses")
      r.keyspace_misses = to_u64(v);
    else if (k == "expired_keys")
      r.expired_keys = to_u64(v);
    else if (k == "evicted_keys")
      r.evicted_keys = to_u64(v);
    else if (k == db_prefix) {
      r.db_keys = field_of(v, "keys");
      r.db_expires = field_of(v, "expires");
    }
  }
  return r;
}

report cache_report(redis::client& client, std::vector<cache_stats> caches) {
  report r;
  r.caches = std::move(caches);
  try {
    // INFO without a section gives server, clients, memory, stats and keyspace.
    r.redis = parse_info(client.command({"INFO"}).as_string(), client.config().db);
  } catch (const std::exception& e) {
    r.redis = redis_info{};
    r.redis.error = e.what();
  }
  r.pool = client.stats();
  return r;
}

std::string to_json(const report& r) {
  std::string out = "{\"caches\":[";
  bool first = true;
  for (const auto& c : r.caches) {
    if (!first) out += ',';
    first = false;
    out += fmt::format(
        "{{\"name\":{},\"enabled\":{},\"circuit_open\":{},\"near_enabled\":{},"
        "\"near_active\":{},\"near_entries\":{},\"hits\":{},\"near_hits\":{},\"misses\":{},"
        "\"hit_rate\":{:.4f},\"loads\":{},\"load_failures\":{},\"early_refreshes\":{},"
        "\"decode_failures\":{},\"errors\":{},\"circuit_trips\":{},\"skipped\":{},"
        "\"near_invalidations\":{},\"load_time_total_us\":{},\"load_time_avg_us\":{}}}",
        quoted(c.name), boolean(c.enabled), boolean(c.circuit_open), boolean(c.near_enabled),
        boolean(c.near_active), c.near_entries, c.hits, c.near_hits, c.misses, c.hit_rate(),
        c.loads, c.load_failures, c.early_refreshes, c.decode_failures, c.errors, c.circuit_trips,
        c.skipped, c.near_invalidations, c.load_time_total.count(), c.load_time_avg().count());
  }
  const auto& i = r.redis;
  out += fmt::format(
      "],\"redis\":{{\"reachable\":{},\"error\":{},\"version\":{},\"used_memory\":{},"
      "\"used_memory_human\":{},\"used_memory_peak\":{},\"maxmemory\":{},"
      "\"maxmemory_policy\":{},\"connected_clients\":{},\"keyspace_hits\":{},"
      "\"keyspace_misses\":{},\"hit_rate\":{:.4f},\"expired_keys\":{},\"evicted_keys\":{},"
      "\"db_keys\":{},\"db_expires\":{}}}",
      boolean(i.reachable), quoted(i.error), quoted(i.version), i.used_memory,
      quoted(i.used_memory_human), i.used_memory_peak, i.maxmemory, quoted(i.maxmemory_policy),
      i.connected_clients, i.keyspace_hits, i.keyspace_misses, i.hit_rate(), i.expired_keys,
      i.evicted_keys, i.db_keys, i.db_expires);
  const auto& p = r.pool;
  out += fmt::format(
      ",\"pool\":{{\"created\":{},\"in_use\":{},\"idle\":{},\"failures\":{},\"waits\":{},"
      "\"timeouts\":{}}}}}",
      p.created, p.in_use, p.idle, p.failures, p.waits, p.timeouts);
  return out;
}

}  // namespace ferry::cache
