// ferry/celery/memory_broker.hpp — a Celery broker inside the process: queues in memory, for
// tests (ferry's and its users') of the worker, the client and task handlers without a server.
//
// It keeps what the worker relies on: a delivery stays unacked until ack(); requeue() puts it
// back at the head of its queue, marked redelivered; dead_letter() keeps a copy under
// `<queue><suffix>`; fetch() blocks up to its wait for a publish. Priority is served as on
// Redis (0 first). Messages are not serialized: what publish() is given, fetch() returns.
//
// The one behaviour a reader would get wrong: open_broker("memory://name") returns the same
// broker for the same URL while someone holds it, so a client and a worker built from URLs
// meet; a default-constructed memory_broker is private to whoever holds it.
//
//   auto broker = std::make_shared<ferry::celery::memory_broker>();
//   auto backend = std::make_shared<ferry::celery::memory_backend>();
//   ferry::celery::client app{broker, backend};
//   app.send_task("tasks.add", {2, 3});
//   // run a ferry::celery::worker on {broker, backend}, then backend->wait(id, 1s)
//
// Thread safety: thread-safe.
// Errors: none of its own; ack()/requeue() of an unknown tag is ignored (as a late ack would be).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/broker.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// A message kept by dead_letter().
struct memory_dead_letter {
  broker_delivery delivery{};
  std::string error{};
};

/// A Celery broker in memory. See the file comment.
class FERRY_API memory_broker final : public broker {
 public:
  memory_broker();
  ~memory_broker() override;
  memory_broker(const memory_broker&) = delete;
  memory_broker& operator=(const memory_broker&) = delete;

  /// The broker for "memory://<name>": shared while someone holds it (see the file comment).
  [[nodiscard]] static std::shared_ptr<memory_broker> named(std::string_view url);

  void publish(const task_message& message, std::string_view queue, int priority) override;
  [[nodiscard]] std::optional<broker_delivery> fetch(const std::vector<std::string>& queues,
                                                     std::chrono::milliseconds wait) override;
  void ack(std::string_view delivery_tag) override;
  void requeue(std::string_view delivery_tag) override;
  void dead_letter(const broker_delivery& d, std::string_view error,
                   std::string_view suffix) override;
  [[nodiscard]] std::string_view transport() const noexcept override { return "memory"; }

  /// Messages waiting in `queue` (not counting unacked ones).
  [[nodiscard]] std::size_t size(std::string_view queue) const;
  /// Deliveries fetched and not yet acked or requeued.
  [[nodiscard]] std::size_t unacked() const;
  /// The messages waiting in `queue`, next first (copies; nothing is consumed).
  [[nodiscard]] std::vector<task_message> peek(std::string_view queue) const;
  /// What dead_letter() kept under `queue` (e.g. "celery.dlq"), oldest first.
  [[nodiscard]] std::vector<memory_dead_letter> dead_letters(std::string_view queue) const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::celery
