// Publishes JSON jobs to the durable queue `email_processing` with publisher confirms.
//
//   RABBITMQ_URL=amqp://guest:guest@localhost:5672/%2F ./example_amqp_publish 10
//
// Each publish() returns only after RabbitMQ confirmed the message, so when this program
// exits 0 every message is safely stored (persistent message, durable queue).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <ferry/amqp/publisher.hpp>
#include <ferry/amqp/topology.hpp>
#include <ferry/core/error.hpp>

int main(int argc, char** argv) {
  const char* env = std::getenv("RABBITMQ_URL");
  const int count = argc > 1 ? std::atoi(argv[1]) : 3;
  try {
    const auto url = ferry::amqp::url::parse(env ? env : "amqp://localhost/");

    // The queue is declared after every (re)connect, so a restarted broker is fine too.
    ferry::amqp::queue_spec queue;
    queue.name = "email_processing";
    ferry::amqp::publisher_options options;
    options.declare.queues.push_back(queue);
    ferry::amqp::publisher pub(url, options);

    for (int i = 0; i < count; ++i) {
      ferry::amqp::message m;
      m.body = R"({"email_id":)" + std::to_string(i) + "}";
      m.props.content_type = "application/json";
      m.props.message_id = "email-" + std::to_string(i);  // lets consumers deduplicate
      m.props.headers.set("origin", "example_amqp_publish");
      // Default exchange: the routing key is the queue name. mandatory: fail if unroutable.
      ferry::amqp::publish_options flags;
      flags.mandatory = true;
      pub.publish("", queue.name, m, flags);
    }
    std::printf("published %d message(s) to %s on %s\n", count, queue.name.c_str(),
                url.to_string().c_str());
    return 0;
  } catch (const ferry::error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.is_transient() ? 75 : 1;
  }
}
