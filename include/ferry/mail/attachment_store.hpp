// ferry/mail/attachment_store.hpp — a content-addressed directory for attachment bytes.
//
// `store(bytes)` writes the bytes to `<root>/ab/cd/<sha256-hex>` (ab, cd: the first two
// byte pairs of the hex digest) and returns the digest and path. Storing the same bytes
// again returns the same path without rewriting it, so duplicates cost nothing. Writes are
// atomic: the bytes go to a temporary file in the target directory, are flushed (fsync)
// and renamed into place, so a reader never sees a partial file, even after a crash.
//
//   ferry::mail::attachment_store store{"/var/lib/mail/blobs"};
//   ferry::mail::stored_attachment s = store.store(att.bytes);
//   db.insert(att.safe_filename, s.sha256);
//
// Thread safety: thread-safe; many threads and processes may store into one root at once
// (each writes its own temporary file; rename is atomic).
// Errors: `ferry::error` with `errc::io_error` when a directory or file cannot be created,
// written or renamed; the message names the path and the OS error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::mail {

/// Where `attachment_store::store` put the bytes.
/// Thread safety: value type; thread-compatible. Errors: none (plain data).
struct stored_attachment {
  std::string sha256;          ///< Lower-case hex SHA-256 of the bytes (64 characters).
  std::filesystem::path path;  ///< `<root>/ab/cd/<sha256>`.
  bool created = false;        ///< False when identical bytes were already stored.
};

/// A content-addressed store rooted at one directory. See the file comment.
/// Thread safety: thread-safe (const member functions only; no shared mutable state).
/// Errors: `errc::io_error` from `store`; std::invalid_argument for an empty root or a
/// malformed digest.
class FERRY_API attachment_store {
 public:
  /// Uses `root` (created on first store if missing). Throws std::invalid_argument if empty.
  explicit attachment_store(std::filesystem::path root);

  /// Stores `bytes` (see the file comment); returns the digest and final path.
  [[nodiscard]] stored_attachment store(std::string_view bytes) const;

  /// The path `bytes` with this digest are (or would be) stored at. Throws
  /// std::invalid_argument unless `sha256` is 64 hex characters.
  [[nodiscard]] std::filesystem::path path_for(std::string_view sha256) const;

  /// The path for `sha256` if that content is stored, else nullopt.
  [[nodiscard]] std::optional<std::filesystem::path> find(std::string_view sha256) const;

  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

 private:
  std::filesystem::path root_;
};

/// Lower-case hex SHA-256 of `bytes` (GLib's GChecksum).
[[nodiscard]] FERRY_API std::string sha256_hex(std::string_view bytes);

}  // namespace ferry::mail
