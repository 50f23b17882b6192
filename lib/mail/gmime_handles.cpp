#include "mail/gmime_handles.hpp"

#include <mutex>

namespace ferry::mail::detail {

void ensure_gmime_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace ferry::mail::detail
