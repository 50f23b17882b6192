// ferry/core/version.hpp — the library's version, for logs and compatibility checks.
//
// ferry follows semantic versioning. Before 1.0 a minor release (0.1 → 0.2) may break the API
// and the ABI; from 1.0 on only a major release may.
//
// The macros are the version of the headers a program was compiled against; ferry::version()
// is the version the linked library was built as. With shared libraries they can differ, so a
// program that wants to be sure compares them at start-up:
//
//   static_assert(FERRY_VERSION >= 100, "needs ferry 0.1");   // compile time: the headers
//   if (ferry::version().number != FERRY_VERSION) {            // run time: the library
//     std::cerr << "built against ferry " FERRY_VERSION_STRING ", running with "
//               << ferry::version().string << "\n";
//   }
//
// Thread safety: version() is thread-safe.
#pragma once

#include <string_view>

#include "ferry/export.hpp"

#define FERRY_VERSION_MAJOR 0
#define FERRY_VERSION_MINOR 1
#define FERRY_VERSION_PATCH 0
#define FERRY_VERSION_STRING "0.1.0"

/// One comparable number: MAJOR * 10000 + MINOR * 100 + PATCH (0.1.0 is 100, 1.2.3 is 10203).
/// Usable in `#if`. Minor and patch stay below 100.
#define FERRY_VERSION \
  (FERRY_VERSION_MAJOR * 10000 + FERRY_VERSION_MINOR * 100 + FERRY_VERSION_PATCH)

namespace ferry {

/// A version of ferry, as ferry::version() reports it.
struct version_info {
  int major = 0;
  int minor = 0;
  int patch = 0;
  int number = 0;           ///< major * 10000 + minor * 100 + patch, like FERRY_VERSION.
  std::string_view string;  ///< "0.1.0"; points to static storage.
};

/// The version the ferry library in use was built as (not the headers': see the file comment).
[[nodiscard]] FERRY_API version_info version() noexcept;

}  // namespace ferry
