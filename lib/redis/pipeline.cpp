#include "ferry/redis/pipeline.hpp"

#include <optional>
#include <stdexcept>

#include "ferry/redis/connection.hpp"
#include "ferry/redis/script.hpp"
#include "redis/protocol.hpp"

namespace ferry::redis {

std::size_t pipeline::add(std::span<const std::string_view> args) {
  if (args.empty()) throw std::invalid_argument("Redis command without arguments");
  detail::encode_command(buffer_, args);
  return count_++;
}

std::size_t pipeline::add(const script& s, std::span<const std::string_view> keys,
                          std::span<const std::string_view> args) {
  std::string nkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVALSHA");
  argv.emplace_back(s.sha1());
  argv.emplace_back(nkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  std::size_t offset = buffer_.size();
  std::size_t index = add(argv);
  scripts_.push_back({index, &s, offset, buffer_.size() - offset});
  return index;
}

std::vector<reply> pipeline::exec(connection& conn) const {
  std::vector<reply> replies;
  if (count_ == 0) return replies;
  if (conn.pending_replies() != 0) {
    throw std::logic_error("redis::pipeline::exec() on a connection with unread replies");
  }
  replies.reserve(count_);
  conn.append_raw(buffer_, count_);
  conn.flush();
  for (std::size_t i = 0; i < count_; ++i) replies.push_back(conn.read_reply());

  // NOSCRIPT means the script did not run at all, so loading it and running just those calls
  // again is safe (documented: they then run after the rest of the pipeline).
  std::vector<const script_call*> retry;
  for (const auto& call : scripts_) {
    if (replies[call.index].is_error_code("NOSCRIPT")) retry.push_back(&call);
  }
  if (retry.empty()) return replies;
  std::vector<const script*> loaded;
  std::string again;
  std::size_t n = 0;
  for (const auto* call : retry) {
    bool seen = false;
    for (const auto* s : loaded) seen = seen || s->sha1() == call->code->sha1();
    if (!seen) {
      std::string_view load[] = {"SCRIPT", "LOAD", call->code->source()};
      detail::encode_command(again, load);
      loaded.push_back(call->code);
      ++n;
    }
  }
  for (const auto* call : retry) again.append(buffer_, call->offset, call->length);
  conn.append_raw(again, n + retry.size());
  conn.flush();
  std::optional<reply> load_error;
  for (std::size_t i = 0; i < n; ++i) {
    reply r = conn.read_reply();
    if (r.is_error() && !load_error) load_error = std::move(r);
  }
  for (const auto* call : retry) replies[call->index] = conn.read_reply();
  if (load_error) load_error->throw_if_error();  // e.g. a Lua syntax error
  return replies;
}

void pipeline::clear() noexcept {
  buffer_.clear();
  count_ = 0;
  scripts_.clear();
}

}  // namespace ferry::redis
