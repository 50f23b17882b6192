#include "ferry/core/version.hpp"

namespace ferry {

// Compiled into the library, so the macros here are those of the headers ferry was built with,
// whatever headers the calling program saw.
version_info version() noexcept {
  return {FERRY_VERSION_MAJOR, FERRY_VERSION_MINOR, FERRY_VERSION_PATCH, FERRY_VERSION,
          FERRY_VERSION_STRING};
}

}  // namespace ferry
