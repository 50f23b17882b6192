// The scheme tables behind open_broker()/open_backend(). Plug-ins fill them by explicit
// register_plugin() calls (see registry.hpp for why not static initializers); "memory://" is
// served from the start.
#include "ferry/celery/registry.hpp"

#include <map>
#include <mutex>

#include "ferry/celery/memory_backend.hpp"
#include "ferry/celery/memory_broker.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/url.hpp"

namespace ferry::celery {

namespace {

template <class Factory>
struct scheme_table {
  std::mutex mu;
  std::map<std::string, Factory, std::less<>> factories;
};

scheme_table<broker_factory>& brokers() {
  static scheme_table<broker_factory> t{
      {}, {{"memory", [](std::string_view url) -> std::shared_ptr<broker> {
              return memory_broker::named(url);
            }}}};
  return t;
}

scheme_table<backend_factory>& backends() {
  static scheme_table<backend_factory> t{
      {}, {{"memory", [](std::string_view url) -> std::shared_ptr<result_backend> {
              return memory_backend::named(url);
            }}}};
  return t;
}

template <class Factory>
void add(scheme_table<Factory>& t, std::string scheme, Factory f) {
  if (scheme.empty() || !f) throw std::invalid_argument("celery: empty scheme or factory");
  std::lock_guard lk(t.mu);
  t.factories[std::move(scheme)] = std::move(f);
}

template <class Factory>
std::vector<std::string> schemes(scheme_table<Factory>& t) {
  std::lock_guard lk(t.mu);
  std::vector<std::string> out;
  for (const auto& [name, f] : t.factories) out.push_back(name);
  return out;
}

template <class Factory>
auto open(scheme_table<Factory>& t, std::string_view kind, std::string_view url) {
  const auto scheme = url_scheme(url);
  Factory f;
  {
    std::lock_guard lk(t.mu);
    if (scheme)
      if (auto it = t.factories.find(*scheme); it != t.factories.end()) f = it->second;
  }
  if (f) return f(url);
  std::string known;
  for (const auto& s : schemes(t)) known += (known.empty() ? "" : ", ") + s + "://";
  throw_url_error(kind, url,
                  scheme ? "no plug-in registered for scheme '" + std::string(*scheme) +
                               "' (registered: " + known + ")"
                         : "missing scheme (registered: " + known + ")");
}

}  // namespace

void register_broker(std::string scheme, broker_factory factory) {
  add(brokers(), std::move(scheme), std::move(factory));
}

void register_backend(std::string scheme, backend_factory factory) {
  add(backends(), std::move(scheme), std::move(factory));
}

std::shared_ptr<broker> open_broker(std::string_view url) {
  return open(brokers(), "Celery broker", url);
}

std::shared_ptr<result_backend> open_backend(std::string_view url) {
  return open(backends(), "Celery result backend", url);
}

std::vector<std::string> broker_schemes() {
  return schemes(brokers());
}

std::vector<std::string> backend_schemes() {
  return schemes(backends());
}

}  // namespace ferry::celery
