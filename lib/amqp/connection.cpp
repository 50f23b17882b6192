#include "ferry/amqp/connection.hpp"

#include "amqp/detail/session.hpp"
#include "ferry/core/error.hpp"

namespace ferry::amqp {

connection::connection(const url& address) : s_(std::make_unique<detail::session>(address)) {
  s_->open();
}

connection::~connection() = default;
connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&&) noexcept = default;

bool connection::is_open() const noexcept {
  return s_ && s_->is_open();
}

std::chrono::seconds connection::heartbeat() const noexcept {
  return s_ ? s_->heartbeat() : std::chrono::seconds(0);
}

const url& connection::address() const noexcept {
  static const url none;
  return s_ ? s_->address() : none;
}

void connection::close() noexcept {
  if (s_) s_->close();
}

detail::session& connection::session_() const {
  if (!s_) throw ferry::error(errc::closed, "amqp: moved-from connection");
  return *s_;
}

}  // namespace ferry::amqp
