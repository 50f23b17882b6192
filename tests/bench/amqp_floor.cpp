// ferry-bench-amqp-floor: the best a client can do for "consume + ack per message at prefetch 1"
// on this broker and CPU placement, measured without ferry, so scripts/bench can show how much
// of a prefetch-1 consumer's time is the broker's round trip rather than the client's.
//
//   ferry-bench-amqp-floor --url amqp://guest:guest@127.0.0.1:5672/%2F --mode raw
//
// At prefetch 1 the broker sends message n+1 only after it has read the ack of message n, so
// every message costs one full round trip: client → broker (ack), broker work, broker → client
// (basic.deliver + header + body), plus the client's own work. Two clients stand for "no work":
//   rabbitmq-c  the plain rabbitmq-c loop: amqp_simple_wait_frame() for the delivery's three
//               frames, amqp_basic_ack(); no decoding into C++ types, no handler, no buffering
//   raw         after rabbitmq-c has logged in and issued basic.consume, frames are read with a
//               blocking recv() on the socket and acked with one send() of a pre-built 21-byte
//               basic.ack frame: one recv and one send per message, the least a client can do
// Same queue shape as ferry-bench-amqp (durable classic queue, persistent 256-byte messages,
// pre-filled untimed with confirms); the clock starts before basic.consume, as in both peers.
// Prints one line: bench=amqp.consume_prefetch1_floor side=<mode> value=<msgs/s> unit=msgs/s
// n=.. seconds=.. cpu_us_per_msg=.. (this process's user+system CPU per message while timed).
#include <fcntl.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <ferry/amqp/publisher.hpp>
#include <ferry/amqp/topology.hpp>

#include "amqp/detail/rabbitmq_c.hpp"
#include "cpu_time.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
namespace amqp = ferry::amqp;

void check(amqp_rpc_reply_t r, const char* what) {
  if (r.reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error(std::string("floor: ") + what);
}

// A connected, logged-in rabbitmq-c connection with channel 1 open; closed by the destructor.
struct raw_connection {
  explicit raw_connection(const amqp::url& u) : st(amqp_new_connection()) {
    amqp_socket_t* sock = amqp_tcp_socket_new(st);
    if (sock == nullptr || amqp_socket_open(sock, u.host.c_str(), u.port) != AMQP_STATUS_OK)
      throw std::runtime_error("floor: cannot connect");
    check(amqp_login(st, u.vhost.c_str(), 0, 131072, 60, AMQP_SASL_METHOD_PLAIN, u.user.c_str(),
                     u.password.c_str()),
          "login");
    amqp_channel_open(st, 1);
    check(amqp_get_rpc_reply(st), "channel.open");
  }
  ~raw_connection() {
    amqp_channel_close(st, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(st, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(st);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
  amqp_connection_state_t st;
};

// Waits for the next frame on channel 1 of the given type, skipping heartbeats.
amqp_frame_t wait_frame(amqp_connection_state_t st, std::uint8_t type) {
  amqp_frame_t f;
  for (;;) {
    if (amqp_simple_wait_frame(st, &f) != AMQP_STATUS_OK)
      throw std::runtime_error("floor: connection lost");
    if (f.frame_type == type) return f;
    if (f.frame_type == AMQP_FRAME_METHOD) throw std::runtime_error("floor: unexpected method");
  }
}

// The plain rabbitmq-c loop: three frames in, one ack out.
std::size_t loop_rabbitmq_c(amqp_connection_state_t st, std::size_t n,
                            clock_type::time_point deadline) {
  std::size_t got = 0;
  while (got < n && clock_type::now() < deadline) {
    const amqp_frame_t m = wait_frame(st, AMQP_FRAME_METHOD);
    if (m.payload.method.id != AMQP_BASIC_DELIVER_METHOD)
      throw std::runtime_error("floor: expected basic.deliver");
    const auto tag =
        static_cast<const amqp_basic_deliver_t*>(m.payload.method.decoded)->delivery_tag;
    const amqp_frame_t h = wait_frame(st, AMQP_FRAME_HEADER);
    std::uint64_t left = h.payload.properties.body_size;
    while (left > 0) left -= wait_frame(st, AMQP_FRAME_BODY).payload.body_fragment.len;
    if (amqp_basic_ack(st, 1, tag, 0) != AMQP_STATUS_OK) throw std::runtime_error("floor: ack");
    ++got;
    if ((got & 255U) == 0) amqp_maybe_release_buffers(st);
  }
  return got;
}

std::uint64_t read_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// One blocking recv() into a buffer, one send() of a pre-built basic.ack per delivery.
std::size_t loop_raw(amqp_connection_state_t st, std::size_t n, clock_type::time_point deadline) {
  // The first delivery often arrives with basic.consume-ok, inside rabbitmq-c's buffer: take it
  // through rabbitmq-c; after its ack nothing can be in flight, so the socket is ours.
  std::size_t got = loop_rabbitmq_c(st, 1, deadline);
  if (amqp_data_in_buffer(st) || amqp_frames_enqueued(st))
    throw std::runtime_error("floor: rabbitmq-c buffered more than one delivery");
  const int fd = amqp_get_sockfd(st);
  // rabbitmq-c keeps its socket non-blocking and polls; the raw loop blocks in recv() instead.
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  // basic.ack on channel 1: type 1, channel 1, size 13, class 60, method 80, tag, multiple=0.
  std::array<unsigned char, 21> ack{1, 0, 1, 0, 0, 0, 13, 0, 60, 0, 80};
  ack[20] = 0xCE;
  std::vector<unsigned char> buf(1 << 16);
  std::size_t have = 0;
  while (got < n && clock_type::now() < deadline) {
    const ssize_t r = recv(fd, buf.data() + have, buf.size() - have, 0);
    if (r <= 0) throw std::runtime_error("floor: recv failed");
    have += static_cast<std::size_t>(r);
    std::size_t pos = 0;
    while (have - pos >= 8) {  // every complete frame in the buffer
      const unsigned char* f = buf.data() + pos;
      const std::size_t size =
          (std::size_t{f[3]} << 24) | (std::size_t{f[4]} << 16) | (std::size_t{f[5]} << 8) | f[6];
      if (have - pos < size + 8) break;
      if (f[0] == AMQP_FRAME_METHOD && f[7] == 0 && f[8] == 60 && f[9] == 0 && f[10] == 60) {
        // basic.deliver: consumer-tag (shortstr), then the delivery tag.
        const std::uint64_t tag = read_u64(f + 11 + 1 + f[11]);
        for (std::size_t i = 0; i < 8; ++i)
          ack[11 + i] = static_cast<unsigned char>(tag >> (56 - 8 * i));
      } else if (f[0] == AMQP_FRAME_BODY) {
        // 256-byte bodies fit one frame: the body frame completes the message.
        if (send(fd, ack.data(), ack.size(), 0) != static_cast<ssize_t>(ack.size()))
          throw std::runtime_error("floor: send failed");
        ++got;
      } else if (f[0] == AMQP_FRAME_METHOD) {
        throw std::runtime_error("floor: unexpected method");
      }
      pos += size + 8;
    }
    std::memmove(buf.data(), buf.data() + pos, have - pos);
    have -= pos;
  }
  return got;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the prefetch-1 consume floor on this broker (rabbitmq-c loop, raw socket loop)"};
  std::string url_text = "amqp://guest:guest@127.0.0.1:5672/%2F";
  std::string mode = "raw";
  std::string queue = "bench.floor.classic";
  std::size_t n = 20000;
  double max_seconds = 15;
  app.add_option("--url", url_text, "AMQP URL (plain TCP)");
  app.add_option("--mode", mode)->check(CLI::IsMember({"rabbitmq-c", "raw"}));
  app.add_option("--queue", queue, "durable classic queue (purged, deleted at the end)");
  app.add_option("--messages", n, "messages to time");
  app.add_option("--max-seconds", max_seconds, "upper bound of the timed phase");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto u = amqp::url::parse(url_text);
    amqp::connection admin(u);
    amqp::queue_spec q;
    q.name = queue;
    q.type = amqp::queue_type::classic;
    amqp::declare_queue(admin, q);
    amqp::purge_queue(admin, queue);
    {  // pre-fill, untimed and confirmed
      amqp::message m;
      m.body.assign(256, 'x');
      m.props.content_type = "application/octet-stream";
      m.props.persistent = true;
      amqp::publisher pub(u);
      for (std::size_t i = 0; i < n; ++i) pub.publish_async("", queue, m);
      pub.wait_confirms();
    }

    std::size_t got = 0;
    double seconds = 0, cpu = 0;
    {
      raw_connection c(u);
      amqp_basic_qos(c.st, 1, 0, 1, 0);
      check(amqp_get_rpc_reply(c.st), "basic.qos");
      const auto t0 = clock_type::now();
      const double cpu0 = ferry_bench::process_cpu_seconds();
      const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(
                                     std::chrono::duration<double>(max_seconds));
      amqp_basic_consume(c.st, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, 0, 0,
                         amqp_empty_table);
      check(amqp_get_rpc_reply(c.st), "basic.consume");
      got = mode == "raw" ? loop_raw(c.st, n, deadline) : loop_rabbitmq_c(c.st, n, deadline);
      seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
      cpu = ferry_bench::process_cpu_seconds() - cpu0;
    }  // closing the channel returns the prefetched message
    amqp::delete_queue(admin, queue);
    std::printf(
        "bench=amqp.consume_prefetch1_floor side=%s value=%.0f unit=msgs/s n=%zu seconds=%.3f "
        "cpu_us_per_msg=%.1f\n",
        mode.c_str(), static_cast<double>(got) / seconds, got, seconds,
        got ? cpu * 1e6 / static_cast<double>(got) : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ferry-bench-amqp-floor: %s\n", e.what());
    return 1;
  }
}
