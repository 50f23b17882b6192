// ferry-bench-amqp: ferry's publisher and consumer in the shapes of the pika peer
// (tests/bench/peers/amqp_pika.py), so scripts/bench can run both on the same broker and CPUs.
//
//   ferry-bench-amqp --url amqp://guest:guest@127.0.0.1:5672/%2F --shape publish_pipelined
//
// Every shape uses a durable classic queue and persistent 256-byte messages, as pika does:
//   publish_confirm_each  publish(): each message waits for its confirm (one in flight)
//   publish_pipelined     publish_async() with a window, wait_confirms() at the end: every
//                         message is confirmed before the clock stops
//   consume_prefetch1     consumer::run with prefetch 1 / 100, manual ack per message, on a
//   consume_prefetch100   queue pre-filled before the clock starts; the clock includes the
//                         consumer's connect and basic.consume (pika's includes basic.consume);
//                         --prefetch N consumes with N instead (a ceiling for a worker's window)
// There is no publish_noconfirm: ferry's publisher always runs its channel in confirm mode.
// Loops are bounded by --messages and --max-seconds, like the peer's.
// Prints one line: bench=amqp.<shape> side=ferry value=<msgs/s> unit=msgs/s n=.. seconds=..
// first_ms=.. (consume: run() to the first delivery, i.e. what the clock holds beyond pika's)
// cpu_us_per_msg=.. (consume: this process's user + system CPU per message while timed).
#include <ferry/amqp/consumer.hpp>
#include <ferry/amqp/publisher.hpp>
#include <ferry/amqp/topology.hpp>

#include "cpu_time.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
namespace amqp = ferry::amqp;

struct run_result {
  std::size_t messages = 0;
  double seconds = 0;
  double first_ms = 0;     // consume: run() to the first handler call (connect + basic.consume)
  double cpu_seconds = 0;  // this process's user + system CPU while the clock ran
};

amqp::queue_spec bench_queue(const std::string& name) {
  amqp::queue_spec q;
  q.name = name;
  q.durable = true;
  q.type = amqp::queue_type::classic;  // pika declares x-queue-type=classic too
  return q;
}

amqp::message bench_message(std::size_t body_bytes) {
  amqp::message m;
  m.body.assign(body_bytes, 'x');
  m.props.content_type = "application/octet-stream";
  m.props.persistent = true;
  return m;
}

// Publishes until `n` messages or the deadline (checked every 256, like the peer).
template <class Publish>
std::size_t publish_loop(std::size_t n, clock_type::time_point deadline, Publish publish) {
  std::size_t sent = 0;
  while (sent < n) {
    publish();
    ++sent;
    if ((sent & 255U) == 0 && clock_type::now() > deadline) break;
  }
  return sent;
}

run_result publish_confirm_each(const amqp::url& u, const std::string& queue, std::size_t n,
                                const amqp::message& m, std::chrono::duration<double> max_s) {
  amqp::publisher pub(u);
  const auto t0 = clock_type::now();
  const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(max_s);
  const auto sent = publish_loop(n, deadline, [&] { pub.publish("", queue, m); });
  return {sent, std::chrono::duration<double>(clock_type::now() - t0).count()};
}

run_result publish_pipelined(const amqp::url& u, const std::string& queue, std::size_t n,
                             const amqp::message& m, std::size_t window,
                             std::chrono::duration<double> max_s) {
  amqp::publisher_options o;
  o.window = window;
  amqp::publisher pub(u, o);
  const auto t0 = clock_type::now();
  const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(max_s);
  const auto sent = publish_loop(n, deadline, [&] { pub.publish_async("", queue, m); });
  pub.wait_confirms();  // the clock stops only when every message is confirmed
  return {sent, std::chrono::duration<double>(clock_type::now() - t0).count()};
}

run_result consume(const amqp::url& u, const std::string& queue, std::uint16_t prefetch,
                   std::size_t n, std::chrono::duration<double> max_s) {
  amqp::consumer_options o;
  o.queue = queue;
  o.prefetch = prefetch;
  o.retry.enabled = false;  // no retry/DLQ queues to clean up; the ack path is the same
  amqp::consumer c(u, o);

  // A watchdog bounds the run in time even if the queue holds fewer than n messages.
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, max_s, [&] { return finished; })) c.stop();
  });

  std::size_t got = 0;
  const double cpu0 = ferry_bench::process_cpu_seconds();
  const auto t0 = clock_type::now();
  std::optional<clock_type::time_point> t_first;
  std::optional<clock_type::time_point> t_end;
  std::exception_ptr failure;  // rethrown after the watchdog is joined
  try {
    c.run([&](const amqp::delivery&) {
      if (got == 0) t_first = clock_type::now();
      if (++got == n) {
        t_end = clock_type::now();
        c.stop();
      }
      return amqp::outcome::ack;
    });
  } catch (...) {
    failure = std::current_exception();
  }
  // On a full run the clock stops in the last handler call (only its ack write follows), so
  // basic.cancel + closing the connection are outside it, as in the peer.
  const auto t1 = t_end.value_or(clock_type::now());
  const double cpu = ferry_bench::process_cpu_seconds() - cpu0;
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_all();
  watchdog.join();
  if (failure) std::rethrow_exception(failure);
  return {got, std::chrono::duration<double>(t1 - t0).count(),
          std::chrono::duration<double, std::milli>(t_first.value_or(t0) - t0).count(), cpu};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry AMQP publisher/consumer benchmark (shapes of the pika peer)"};
  std::string url_text = "amqp://guest:guest@127.0.0.1:5672/%2F";
  std::string shape = "publish_pipelined";
  std::string queue = "bench.ferry.classic";
  std::optional<std::size_t> messages;
  std::size_t window = 256;
  std::size_t body_bytes = 256;
  double max_seconds = 15;
  std::optional<std::uint16_t> prefetch;
  std::vector<int> server_pids;
  app.add_option("--url", url_text, "AMQP URL");
  app.add_option("--shape", shape)
      ->check(CLI::IsMember({"publish_confirm_each", "publish_pipelined", "consume_prefetch1",
                             "consume_prefetch100"}));
  app.add_option("--queue", queue, "durable classic queue (purged, deleted at the end)");
  app.add_option("--messages", messages,
                 "messages to time (default: 5000 confirm-each, 30000 pipelined, 20000 consume)");
  app.add_option("--window", window, "publish_pipelined: unconfirmed messages in flight");
  app.add_option("--body-bytes", body_bytes, "message body size");
  app.add_option("--max-seconds", max_seconds, "upper bound per timed phase");
  app.add_option("--prefetch", prefetch,
                 "consume shapes: this prefetch instead of the shape's (e.g. a worker's window)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--server-pid", server_pids,
                 "report the CPU time these server processes spent per message while timed");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto u = amqp::url::parse(url_text);
    const auto m = bench_message(body_bytes);
    const std::chrono::duration<double> max_s(max_seconds);

    amqp::connection admin(u);
    amqp::declare_queue(admin, bench_queue(queue));
    amqp::purge_queue(admin, queue);

    run_result r;
    ferry_bench::server_cpu_clock server_cpu{server_pids};
    if (shape == "publish_confirm_each") {
      server_cpu.start();
      r = publish_confirm_each(u, queue, messages.value_or(5000), m, max_s);
    } else if (shape == "publish_pipelined") {
      server_cpu.start();
      r = publish_pipelined(u, queue, messages.value_or(30000), m, window, max_s);
    } else {
      // Pre-fill (untimed), confirmed so every message is in the queue before the clock starts.
      const std::size_t n = messages.value_or(20000);
      {
        amqp::publisher pub(u);
        for (std::size_t i = 0; i < n; ++i) pub.publish_async("", queue, m);
        pub.wait_confirms();
      }
      server_cpu.start();
      r = consume(u, queue, prefetch.value_or(shape == "consume_prefetch1" ? 1 : 100), n, max_s);
    }
    const std::string server_cpu_field = server_cpu.field("server_cpu_us_per_msg", r.messages);
    amqp::delete_queue(admin, queue);
    const std::string extra =
        (prefetch ? " prefetch=" + std::to_string(*prefetch) : std::string()) + server_cpu_field;
    std::printf(
        "bench=amqp.%s side=ferry value=%.0f unit=msgs/s n=%zu seconds=%.3f first_ms=%.1f "
        "cpu_us_per_msg=%.1f%s\n",
        shape.c_str(), static_cast<double>(r.messages) / r.seconds, r.messages, r.seconds,
        r.first_ms, r.messages ? r.cpu_seconds * 1e6 / static_cast<double>(r.messages) : 0.0,
        extra.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ferry-bench-amqp: %s\n", e.what());
    return 1;
  }
}
