// consumer_source.hpp — one RabbitMQ consumer connection as a delivery_source for
// worker_runtime (amqp::consumer).
//
// It declares the topology, sets basic.qos, consumes, and settles outcomes the consumer's way:
// ack; reject (basic.reject); retry = a confirmed copy to `<queue>.retry.<ms>` with the
// x-ferry-* headers, then the ack; dead letter = a confirmed copy to `<queue>.dlq`, then the
// ack (with retries off: basic.nack requeue and basic.reject). Between round trips upkeep()
// reads what the broker sent, which services heartbeats while every handler is busy.
//
// After a connection loss it reconnects with the consumer's backoff; outcomes of deliveries
// from the lost connection are dropped (the broker redelivers those messages). A setup error
// that retrying cannot fix (bad credentials, a conflicting declaration, a missing queue) is
// kept in fatal() and ends fetching.
//
// A delivery's `native` is the amqp::delivery without its body (the body is the payload).
//
// Thread safety: exchange/upkeep/shutdown from one thread at a time (the runtime's fetch
// thread, then the thread that stopped the runtime); fatal() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/consumer.hpp"
#include "ferry/core/delivery_source.hpp"

namespace ferry::amqp::detail {

class session;

class consumer_source final : public delivery_source {
 public:
  consumer_source(url address, const consumer_options& options, std::uint16_t qos);
  ~consumer_source() override;

  [[nodiscard]] std::vector<ferry::delivery> exchange(std::vector<settlement>& done,
                                                      std::size_t want,
                                                      std::chrono::milliseconds wait) override;
  void upkeep() override;
  [[nodiscard]] std::chrono::milliseconds upkeep_interval() const override;

  /// The error that ended fetching, or null.
  [[nodiscard]] std::exception_ptr fatal() const;
  /// Cancels the consumer and closes the connection (unsettled deliveries go back).
  void shutdown() noexcept;

 private:
  session& s();
  bool connect();
  void lost_connection();
  bool read_one(std::chrono::milliseconds timeout);
  void settle(std::vector<settlement>& done);
  void settle_one(amqp::delivery& d, const ferry::outcome& verdict);
  [[nodiscard]] ferry::delivery to_delivery(amqp::delivery&& d) const;
  void declare_retry_topology();
  void setup();
  void publish_confirmed(const std::string& queue, const message& m);
  [[nodiscard]] message failure_copy(const amqp::delivery& d, const std::string& reason,
                                     std::int64_t attempts) const;
  void dead_letter(const amqp::delivery& d, const std::string& reason);
  void retry_later(const amqp::delivery& d, const std::string& reason);

  url address_;
  const consumer_options& opts_;
  std::uint16_t qos_;
  std::unique_ptr<connection> conn_;
  std::deque<amqp::delivery> buffered_;  // arrived but not handed out yet
  std::string tag_;                      // this connection's consumer tag
  std::uint64_t next_seq_ = 1;
  std::uint64_t generation_ = 0;
  int reconnects_ = 0;
  std::chrono::steady_clock::time_point next_connect_{};
  std::mt19937_64 rng_{std::random_device{}()};
  mutable std::mutex fatal_mutex_;
  std::exception_ptr fatal_;
};

}  // namespace ferry::amqp::detail
