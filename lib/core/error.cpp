#include "ferry/core/error.hpp"

namespace ferry {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::timeout: return "timed out";
      case errc::connection_failed: return "connection failed";
      case errc::server_error: return "server error";
      case errc::pool_exhausted: return "connection pool exhausted";
      case errc::protocol_error: return "protocol error";
      case errc::publish_nacked: return "publish not confirmed by the broker";
      case errc::decode_error: return "decode error";
      case errc::config: return "invalid configuration";
      case errc::unsupported: return "unsupported";
      case errc::auth_failed: return "authentication failed";
      case errc::not_found: return "not found";
      case errc::io_error: return "I/O error";
      case errc::busy: return "server busy";
      case errc::closed: return "closed";
    }
    return "unknown ferry error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

bool is_transient(errc e) noexcept {
  switch (e) {
    case errc::timeout:
    case errc::connection_failed:
    case errc::pool_exhausted:
    case errc::busy: return true;
    default: return false;
  }
}

}  // namespace ferry
