#include "ferry/redis/script.hpp"

#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/connection.hpp"

namespace ferry::redis {
namespace {

// EVALSHA <sha> <numkeys> keys... args...
reply evalsha(connection& conn, const std::string& sha, std::span<const std::string_view> keys,
              std::span<const std::string_view> args) {
  std::string nkeys = std::to_string(keys.size());
  std::string_view small[16];
  std::vector<std::string_view> big;
  std::size_t n = 3 + keys.size() + args.size();
  std::string_view* argv = small;
  if (n > std::size(small)) {
    big.resize(n);
    argv = big.data();
  }
  std::size_t i = 0;
  argv[i++] = "EVALSHA";
  argv[i++] = sha;
  argv[i++] = nkeys;
  for (auto k : keys) argv[i++] = k;
  for (auto a : args) argv[i++] = a;
  return conn.command(std::span<const std::string_view>(argv, n));
}

}  // namespace

script::script(std::string source) : source_(std::move(source)), sha1_(sha1_hex(source_)) {}

reply script::run(connection& conn, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args) const {
  try {
    return evalsha(conn, sha1_, keys, args);
  } catch (const error& e) {
    // NOSCRIPT: the server's script cache is empty (first use, SCRIPT FLUSH, restart,
    // failover). The script did not run, so loading it and retrying once is safe.
    if (e.kind() != errc::server_error || conn.is_broken() ||
        std::string_view(e.what()).substr(0, 8) != "NOSCRIPT") {
      throw;
    }
  }
  load(conn);
  return evalsha(conn, sha1_, keys, args);
}

reply script::run(client& c, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args) const {
  auto l = c.acquire();
  return run(*l, keys, args);
}

void script::load(connection& conn) const {
  (void)conn.command({"SCRIPT", "LOAD", source_});
}

}  // namespace ferry::redis
