// The protocol session behind ferry::amqp::connection (private): owns the rabbitmq-c state,
// maps every failure to ferry::error and turns incoming frames into events.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "amqp/detail/rabbitmq_c.hpp"
#include "ferry/amqp/message.hpp"
#include "ferry/amqp/url.hpp"

namespace ferry::amqp::detail {

// Something the broker sent asynchronously on our channel.
struct event {
  enum class kind { deliver, ack, nack, returned, cancel_ok, cancelled };
  kind k = kind::ack;
  std::uint64_t tag = 0;   // delivery tag (deliver) or publish sequence number (ack/nack)
  bool multiple = false;   // ack/nack: every sequence number <= tag
  delivery d;              // deliver, returned (exchange/routing_key/msg)
  int reply_code = 0;      // returned
  std::string reply_text;  // returned
};

class session {
 public:
  explicit session(url u);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Connects, logs in, opens the channel. Throws ferry::error.
  void open();
  // Best-effort polite close; never throws.
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept { return state_ != nullptr && !broken_; }
  [[nodiscard]] const url& address() const noexcept { return url_; }
  [[nodiscard]] std::chrono::seconds heartbeat() const noexcept;

  // The state, with the channel (re)opened if a channel error closed it.
  amqp_connection_state_t state();
  [[nodiscard]] amqp_channel_t channel() const noexcept { return 1; }
  // Incremented each time the channel is (re)opened: confirm sequence numbers restart then.
  [[nodiscard]] std::uint64_t channel_generation() const noexcept { return generation_; }

  // Puts the channel into confirm mode (now and after every reopen).
  void confirm_select();

  // Throws the ferry::error for a failed synchronous call; `what` names the operation.
  void check(amqp_rpc_reply_t reply, std::string_view what);
  void check_status(int status, std::string_view what);
  // For rabbitmq-c calls returning a pointer that is null on failure.
  template <class T>
  T* rpc(T* result, std::string_view what) {
    if (result == nullptr) check(amqp_get_rpc_reply(state_), what);
    return result;
  }

  // Reads the header and body frames that follow basic.deliver, basic.return or basic.get-ok
  // on channel `ch` into `out` (body and properties).
  void read_message(amqp_channel_t ch, message& out, std::string_view what);

  // Waits up to `timeout` for one asynchronous event; nullopt on timeout. Heartbeats are
  // sent/checked inside. Throws ferry::error when the channel or connection closes.
  std::optional<event> next_event(std::chrono::milliseconds timeout);

 private:
  void open_channel();
  [[noreturn]] void fail_closed(const amqp_method_t& method, std::string_view what);
  [[noreturn]] void fail_library(int status, std::string_view what);

  url url_;
  amqp_connection_state_t state_ = nullptr;
  bool broken_ = false;
  bool channel_open_ = false;
  bool confirms_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace ferry::amqp::detail
