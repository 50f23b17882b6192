// Consumes `email_processing` with manual acks, prefetch 1, delayed retries and a DLQ.
//
//   RABBITMQ_URL=amqp://guest:guest@localhost:5672/%2F ./example_amqp_consume
//
// Ctrl-C stops gracefully: the current message finishes and is acked, then the consumer
// cancels and closes. A broker restart is survived by reconnecting automatically.
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <ferry/amqp/consumer.hpp>
#include <ferry/core/error.hpp>

namespace {
ferry::amqp::consumer* g_consumer = nullptr;
extern "C" void on_signal(int) {
  if (g_consumer) g_consumer->stop();  // only sets an atomic flag: async-signal-safe
}
}  // namespace

int main() {
  const char* env = std::getenv("RABBITMQ_URL");
  try {
    ferry::amqp::consumer_options options;
    options.queue = "email_processing";
    options.prefetch = 1;
    ferry::amqp::queue_spec queue;
    queue.name = options.queue;
    options.declare.queues.push_back(queue);
    // 3 attempts, 5 s then 10 s apart; then email_processing.dlq with the error in headers.
    options.retry.policy.base = std::chrono::seconds(5);
    options.observer = ferry::observer::errors_to([](const std::exception& e, const auto&) {
      std::fprintf(stderr, "consumer: %s\n", e.what());
    });

    ferry::amqp::consumer consumer(ferry::amqp::url::parse(env ? env : "amqp://localhost/"),
                                   options);
    g_consumer = &consumer;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    consumer.run([](const ferry::amqp::delivery& d) {
      std::printf(
          "got %s (attempt %lld)\n", d.msg.body.c_str(),
          static_cast<long long>(d.msg.props.headers.get_int("x-ferry-attempts").value_or(0) + 1));
      if (d.msg.body.empty()) return ferry::amqp::outcome::reject;  // nothing to do, ever
      return ferry::amqp::outcome::ack;
    });
    return 0;
  } catch (const ferry::error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.is_transient() ? 75 : 1;
  }
}
