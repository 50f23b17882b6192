// Built against the installed package with ferry::celery_amqp only: the RabbitMQ plug-in
// registers, and the runtime runs a task end to end on the in-memory broker and backend.
#include <chrono>
#include <iostream>
#include <thread>

#include <ferry/celery/amqp/plugin.hpp>
#include <ferry/celery/client.hpp>
#include <ferry/celery/registry.hpp>
#include <ferry/celery/worker.hpp>
#include <ferry/core/error.hpp>

int main() {
  namespace fc = ferry::celery;
  fc::amqp::register_plugin();
  for (const auto& s : {"amqp", "amqps", "pyamqp", "memory"}) {
    bool found = false;
    for (const auto& have : fc::broker_schemes()) found = found || have == s;
    if (!found) return 1;
  }
  try {
    (void)fc::open_broker("redis://127.0.0.1:6379/0");  // the Redis plug-in is not linked
    return 1;
  } catch (const ferry::error& e) {
    if (e.kind() != ferry::errc::config) return 1;
  }
  auto broker = fc::open_broker("memory://consumer");
  auto backend = fc::open_backend("memory://consumer");
  fc::worker w{broker, backend, {.hostname = "consumer@test"}};
  w.register_task("tasks.add", [](const fc::json& a, const fc::json&, fc::task_context&) {
    return fc::json(a.at(0).get<int>() + a.at(1).get<int>());
  });
  std::thread t([&w] { w.run(); });
  fc::client app{broker, backend};
  const auto five = app.send_task("tasks.add", {2, 3}).get(std::chrono::seconds(10));
  w.stop();
  t.join();
  std::cout << "celery_amqp consumer: tasks.add(2, 3) = " << five.dump() << "\n";
  return five == 5 ? 0 : 1;
}
