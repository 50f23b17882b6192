#include "amqp/detail/session.hpp"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include <filesystem>

#include "amqp/detail/c_types.hpp"
#include "ferry/core/error.hpp"

namespace ferry::amqp::detail {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

errc code_for_reply(std::uint16_t reply_code) {
  switch (reply_code) {
    case 320:  // CONNECTION_FORCED: broker shutting down or an operator closed us
    case 501:  // FRAME_ERROR
    case 541:  // INTERNAL_ERROR
      return errc::connection_failed;
    case 403:  // ACCESS_REFUSED
    case 530:  // NOT_ALLOWED (e.g. no access to the vhost)
      return errc::auth_failed;
    case 404: return errc::not_found;
    case 505:  // UNEXPECTED_FRAME
    case 502:  // SYNTAX_ERROR
    case 503:  // COMMAND_INVALID
      return errc::protocol_error;
    default:  // 406 PRECONDITION_FAILED, 405 RESOURCE_LOCKED, ...
      return errc::server_error;
  }
}

errc code_for_status(int status) {
  switch (status) {
    case AMQP_STATUS_TIMEOUT: return errc::timeout;
    case AMQP_STATUS_NO_MEMORY:
    case AMQP_STATUS_BAD_AMQP_DATA:
    case AMQP_STATUS_UNKNOWN_CLASS:
    case AMQP_STATUS_UNKNOWN_METHOD:
    case AMQP_STATUS_INCOMPATIBLE_AMQP_VERSION:
    case AMQP_STATUS_UNEXPECTED_STATE:
    case AMQP_STATUS_TABLE_TOO_BIG:
    case AMQP_STATUS_WRONG_METHOD: return errc::protocol_error;
    case AMQP_STATUS_INVALID_PARAMETER:
    case AMQP_STATUS_SSL_SET_ENGINE_FAILED: return errc::config;
    default:  // socket, TCP, TLS, heartbeat timeout, connection closed
      return errc::connection_failed;
  }
}

}  // namespace

session::session(url u) : url_(std::move(u)) {}

session::~session() {
  close();
}

std::chrono::seconds session::heartbeat() const noexcept {
  return state_ ? std::chrono::seconds(amqp_get_heartbeat(state_)) : std::chrono::seconds(0);
}

void session::open() {
  close();
  broken_ = false;
  state_ = amqp_new_connection();
  if (state_ == nullptr) throw ferry::error(errc::io_error, "amqp: out of memory");
  const std::string where = url_.endpoint();
  amqp_socket_t* socket = nullptr;
  if (url_.tls) {
    socket = amqp_ssl_socket_new(state_);
    if (socket == nullptr) throw ferry::error(errc::io_error, "amqp: cannot create TLS socket");
    amqp_ssl_socket_set_verify_peer(socket, url_.verify ? 1 : 0);
    amqp_ssl_socket_set_verify_hostname(socket, url_.verify ? 1 : 0);
    if (url_.ca_file) {
      if (amqp_ssl_socket_set_cacert(socket, url_.ca_file->c_str()) != AMQP_STATUS_OK)
        throw ferry::error(errc::config, "amqps: cannot load CA file " + *url_.ca_file);
    } else if (void* ctx = amqp_ssl_socket_get_context(socket)) {
      // rabbitmq-c trusts nothing by default; without cacertfile use the system store.
      SSL_CTX_set_default_verify_paths(static_cast<SSL_CTX*>(ctx));
    }
    if (url_.cert_file || url_.key_file) {
      if (!url_.cert_file || !url_.key_file)
        throw ferry::error(errc::config, "amqps: certfile and keyfile go together");
      if (amqp_ssl_socket_set_key(socket, url_.cert_file->c_str(), url_.key_file->c_str()) !=
          AMQP_STATUS_OK)
        throw ferry::error(errc::config, "amqps: cannot load client certificate/key");
    }
  } else {
    socket = amqp_tcp_socket_new(state_);
    if (socket == nullptr) throw ferry::error(errc::io_error, "amqp: cannot create socket");
  }

  timeval tv = to_timeval(url_.connection_timeout);
  amqp_set_handshake_timeout(state_, &tv);
  amqp_set_rpc_timeout(state_, &tv);
  const int st = amqp_socket_open_noblock(socket, url_.host.c_str(), url_.port, &tv);
  if (st != AMQP_STATUS_OK) {
    broken_ = true;
    const errc code = st == AMQP_STATUS_TIMEOUT ? errc::timeout : errc::connection_failed;
    throw ferry::error(code, "amqp: cannot connect to " + where + ": " + amqp_error_string2(st));
  }

  amqp_table_entry_t entry;
  entry.key = amqp_cstring_bytes("connection_name");
  entry.value.kind = AMQP_FIELD_KIND_UTF8;
  entry.value.value.bytes = as_bytes(url_.connection_name);
  amqp_table_t props{};
  if (!url_.connection_name.empty()) {
    props.num_entries = 1;
    props.entries = &entry;
  }
  const amqp_rpc_reply_t r =
      amqp_login_with_properties(state_, url_.vhost.c_str(), url_.channel_max, url_.frame_max,
                                 static_cast<int>(url_.heartbeat.count()), &props,
                                 AMQP_SASL_METHOD_PLAIN, url_.user.c_str(), url_.password.c_str());
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
      r.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
    broken_ = true;
    throw ferry::error(errc::auth_failed, "amqp: login to " + where + " as '" + url_.user +
                                              "' refused (connection closed by the broker)");
  }
  check(r, "login as '" + url_.user + "'");
  open_channel();
}

void session::open_channel() {
  rpc(amqp_channel_open(state_, channel()), "channel.open");
  channel_open_ = true;
  ++generation_;
  if (confirms_) rpc(amqp_confirm_select(state_, channel()), "confirm.select");
}

amqp_connection_state_t session::state() {
  if (state_ == nullptr || broken_)
    throw ferry::error(errc::closed, "amqp: connection to " + url_.endpoint() + " is closed");
  if (!channel_open_) open_channel();
  return state_;
}

void session::confirm_select() {
  amqp_connection_state_t st = state();
  if (confirms_) return;
  rpc(amqp_confirm_select(st, channel()), "confirm.select");
  confirms_ = true;
}

void session::close() noexcept {
  if (state_ == nullptr) return;
  if (!broken_) {
    // Short timeouts so a dead peer cannot stall a destructor.
    timeval tv = to_timeval(std::chrono::milliseconds(1000));
    amqp_set_rpc_timeout(state_, &tv);
    if (channel_open_) amqp_channel_close(state_, channel(), AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(state_);
  state_ = nullptr;
  channel_open_ = false;
  broken_ = false;
}

void session::fail_closed(const amqp_method_t& method, std::string_view what) {
  std::uint16_t code = 0;
  std::string text;
  std::string scope;
  if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_connection_close_t*>(method.decoded);
    code = m->reply_code;
    text = to_string(m->reply_text);
    scope = "connection closed by the broker";
    amqp_connection_close_ok_t ok{};
    amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    broken_ = true;
  } else {
    const auto* m = static_cast<const amqp_channel_close_t*>(method.decoded);
    code = m->reply_code;
    text = to_string(m->reply_text);
    scope = "channel closed by the broker";
    amqp_channel_close_ok_t ok{};
    amqp_send_method(state_, channel(), AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    channel_open_ = false;
  }
  throw ferry::error(code_for_reply(code), "amqp: " + std::string(what) + " on " + url_.endpoint() +
                                               ": " + scope + ": " + std::to_string(code) + " " +
                                               text);
}

void session::fail_library(int status, std::string_view what) {
  const errc code = code_for_status(status);
  if (code != errc::timeout && code != errc::config) broken_ = true;
  throw ferry::error(code, "amqp: " + std::string(what) + " on " + url_.endpoint() + ": " +
                               amqp_error_string2(status));
}

void session::check(amqp_rpc_reply_t reply, std::string_view what) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL: return;
    case AMQP_RESPONSE_NONE:
      throw ferry::error(errc::protocol_error, "amqp: " + std::string(what) + ": no reply");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      // A timed-out RPC leaves the protocol state unknown: the connection is unusable.
      if (reply.library_error == AMQP_STATUS_TIMEOUT) broken_ = true;
      fail_library(reply.library_error, what);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD ||
          reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD)
        fail_closed(reply.reply, what);
      throw ferry::error(errc::protocol_error,
                         "amqp: " + std::string(what) + ": unexpected method from the broker");
  }
}

void session::check_status(int status, std::string_view what) {
  if (status == AMQP_STATUS_OK) return;
  fail_library(status, what);
}

void session::read_message(amqp_channel_t ch, message& out, std::string_view what) {
  amqp_message_t msg;
  check(amqp_read_message(state_, ch, &msg, 0), what);
  out.body = to_string(msg.body);
  out.props = from_c(msg.properties);
  amqp_destroy_message(&msg);
}

std::optional<event> session::next_event(std::chrono::milliseconds timeout) {
  amqp_connection_state_t st = state();
  amqp_maybe_release_buffers(st);
  amqp_frame_t frame;
  timeval tv = to_timeval(timeout);
  // rabbitmq-c tries recv() before it polls, which at prefetch 1 always fails (the next delivery
  // is a broker round trip away): one wasted system call per message. With nothing buffered on
  // a plain TCP socket, wait for readability here first; on timeout rabbitmq-c still runs once
  // with a zero wait, so heartbeats are sent and checked as before. (TLS keeps rabbitmq-c's own
  // wait: OpenSSL may hold decrypted bytes the socket no longer shows.) A zero timeout skips
  // this: rabbitmq-c then makes one recv() try anyway, and a caller that polled the socket
  // itself (basic_consumer) would pay a second poll per message.
  if (timeout.count() > 0 && !url_.tls && !amqp_frames_enqueued(st) && !amqp_data_in_buffer(st)) {
    pollfd p{amqp_get_sockfd(st), POLLIN, 0};
    // Never longer than half a heartbeat interval, so ours go out in time.
    auto ms = std::clamp<std::int64_t>(timeout.count(), 0, INT_MAX);
    if (const int hb = amqp_get_heartbeat(st); hb > 0) ms = std::min<std::int64_t>(ms, hb * 500);
    // Timeout, or a signal (a stop request): rabbitmq-c only services heartbeats, and returns.
    if (::poll(&p, 1, static_cast<int>(ms)) <= 0) tv = timeval{};
  }
  const int status = amqp_simple_wait_frame_noblock(st, &frame, &tv);
  if (status == AMQP_STATUS_TIMEOUT) return std::nullopt;
  if (status != AMQP_STATUS_OK) fail_library(status, "waiting for frames");
  if (frame.frame_type != AMQP_FRAME_METHOD) return std::nullopt;  // stray content: ignore

  event ev;
  const amqp_method_t& m = frame.payload.method;
  switch (m.id) {
    case AMQP_BASIC_DELIVER_METHOD: {
      const auto* d = static_cast<const amqp_basic_deliver_t*>(m.decoded);
      ev.k = event::kind::deliver;
      ev.tag = d->delivery_tag;
      ev.d.delivery_tag = d->delivery_tag;
      ev.d.redelivered = d->redelivered != 0;
      ev.d.exchange = to_string(d->exchange);
      ev.d.routing_key = to_string(d->routing_key);
      ev.d.consumer_tag = to_string(d->consumer_tag);
      read_message(frame.channel, ev.d.msg, "reading a delivery");
      return ev;
    }
    case AMQP_BASIC_RETURN_METHOD: {
      const auto* r = static_cast<const amqp_basic_return_t*>(m.decoded);
      ev.k = event::kind::returned;
      ev.reply_code = r->reply_code;
      ev.reply_text = to_string(r->reply_text);
      ev.d.exchange = to_string(r->exchange);
      ev.d.routing_key = to_string(r->routing_key);
      read_message(frame.channel, ev.d.msg, "reading a returned message");
      return ev;
    }
    case AMQP_BASIC_ACK_METHOD: {
      const auto* a = static_cast<const amqp_basic_ack_t*>(m.decoded);
      ev.k = event::kind::ack;
      ev.tag = a->delivery_tag;
      ev.multiple = a->multiple != 0;
      return ev;
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* n = static_cast<const amqp_basic_nack_t*>(m.decoded);
      ev.k = event::kind::nack;
      ev.tag = n->delivery_tag;
      ev.multiple = n->multiple != 0;
      return ev;
    }
    case AMQP_BASIC_CANCEL_OK_METHOD: ev.k = event::kind::cancel_ok; return ev;
    case AMQP_BASIC_CANCEL_METHOD: ev.k = event::kind::cancelled; return ev;
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD: fail_closed(m, "waiting for frames");
    default: return std::nullopt;  // channel.flow, connection.blocked, ...: nothing to do
  }
}

}  // namespace ferry::amqp::detail
