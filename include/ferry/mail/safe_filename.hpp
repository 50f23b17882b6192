// ferry/mail/safe_filename.hpp — make an attachment's file name safe to use on disk.
//
// Mail senders choose file names; a name like "../../etc/passwd", "C:\\x\\y.exe",
// "\x01evil.txt" or ".htaccess" must not escape a directory, hide itself, or hit a
// reserved device name. `safe_filename` keeps only the last path component (both '/' and
// '\\' separate), removes control characters, NUL and Unicode direction overrides,
// replaces characters Windows forbids (<>:"|?*) with '_', strips leading dots and
// leading/trailing spaces and trailing dots, prefixes reserved Windows device names (CON,
// NUL, COM1, ...) with '_', repairs invalid UTF-8, and shortens the name to `max_bytes`
// while keeping its extension. An empty result becomes "attachment".
//
//   std::string name = ferry::mail::safe_filename(att.filename);  // "passwd"
//
// Thread safety: pure function; reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::mail {

/// See the file comment. `max_bytes` is in bytes of UTF-8 and is clamped to at least 16.
[[nodiscard]] FERRY_API std::string safe_filename(std::string_view name,
                                                  std::size_t max_bytes = 200);

}  // namespace ferry::mail
