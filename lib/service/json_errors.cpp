#include "ferry/service/json_errors.hpp"

#include <stdexcept>
#include <utility>

#include "ferry/core/error.hpp"

namespace ferry::service {

http_handler with_json_errors(http_handler inner, ferry::observer observer, std::string component) {
  return [inner = std::move(inner), observer = std::move(observer),
          component = std::move(component)](const http_request& req) {
    const auto failed = [&](int status, const std::exception& e) {
      const std::string operation = req.method + " " + req.path;
      observer.error(e, {.component = component, .operation = operation});
      return json_error(status, e.what());
    };
    try {
      return inner(req);
    } catch (const std::invalid_argument& e) {
      return json_error(400, e.what());
    } catch (const ferry::error& e) {
      if (e.code() == errc::not_found) return json_error(404, e.what());
      return failed(e.is_transient() ? 503 : 500, e);
    } catch (const std::exception& e) {
      return failed(500, e);
    }
  };
}

}  // namespace ferry::service
