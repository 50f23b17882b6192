// Helpers shared by the AMQP integration tests: a consumer running on its own thread and a
// thread-safe collector of what its handler saw.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "ferry/amqp/consumer.hpp"
#include "ferry/amqp/topology.hpp"

namespace ferry_amqp_test {

using namespace std::chrono_literals;

// Records deliveries and lets the test wait for a count.
class collector {
 public:
  void add(const ferry::amqp::delivery& d) {
    std::lock_guard lock(m_);
    got_.push_back(d);
    cv_.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }
  std::vector<ferry::amqp::delivery> snapshot() {
    std::lock_guard lock(m_);
    return got_;
  }
  std::size_t size() {
    std::lock_guard lock(m_);
    return got_.size();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<ferry::amqp::delivery> got_;
};

// consumer::run on a background thread; stopped and joined on destruction.
class background_consumer {
 public:
  background_consumer(const ferry::amqp::url& u, ferry::amqp::consumer_options o,
                      ferry::amqp::handler h)
      : c_(u, std::move(o)), t_([this, h = std::move(h)] {
          try {
            c_.run(h);
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {}
  ~background_consumer() { stop(); }
  void stop() {
    c_.stop();
    if (t_.joinable()) t_.join();
  }
  std::exception_ptr error() const { return error_; }

 private:
  ferry::amqp::consumer c_;
  std::exception_ptr error_;
  std::thread t_;
};

// A durable classic queue spec with the given name.
inline ferry::amqp::queue_spec durable_queue(const std::string& name) {
  ferry::amqp::queue_spec q;
  q.name = name;
  return q;
}

// Consumer options for `queue`, declaring it; retries with a tiny base so tests run fast.
inline ferry::amqp::consumer_options options_for(const std::string& queue) {
  ferry::amqp::consumer_options o;
  o.queue = queue;
  o.declare.queues.push_back(durable_queue(queue));
  o.retry.policy.base = 100ms;
  o.retry.policy.cap = 1s;
  return o;
}

// Deletes a queue and its retry/DLQ companions (best effort).
inline void cleanup(const ferry::amqp::url& u, const std::string& queue,
                    const std::vector<std::string>& extra = {}) {
  try {
    ferry::amqp::connection c(u);
    ferry::amqp::delete_queue(c, queue);
    ferry::amqp::delete_queue(c, queue + ".dlq");
    for (const auto* ms : {"100", "200", "400", "800", "1000"})
      ferry::amqp::delete_queue(c, queue + ".retry." + ms);
    for (const auto& q : extra) ferry::amqp::delete_queue(c, q);
  } catch (...) {
  }
}

}  // namespace ferry_amqp_test
