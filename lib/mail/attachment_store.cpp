#include "ferry/mail/attachment_store.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/core/error.hpp"

namespace ferry::mail {
namespace {

[[noreturn]] void io_failure(const std::string& what, const std::filesystem::path& path, int err) {
  throw error(errc::io_error, "mail: attachment_store: " + what + " " + path.string() + ": " +
                                  std::generic_category().message(err));
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Closes the descriptor and removes the temporary file unless released.
class temp_file {
 public:
  temp_file(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void release() { path_.clear(); }

 private:
  int fd_;
  std::filesystem::path path_;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  GChecksum* sum = g_checksum_new(G_CHECKSUM_SHA256);
  // g_checksum_update takes a gssize length; feed large inputs in chunks.
  constexpr std::size_t chunk = 1u << 30;
  for (std::size_t off = 0; off < bytes.size(); off += chunk) {
    const std::size_t n = std::min(chunk, bytes.size() - off);
    g_checksum_update(sum, reinterpret_cast<const guchar*>(bytes.data() + off),
                      static_cast<gssize>(n));
  }
  std::string hex = g_checksum_get_string(sum);
  g_checksum_free(sum);
  return hex;
}

attachment_store::attachment_store(std::filesystem::path root) : root_(std::move(root)) {
  if (root_.empty()) throw std::invalid_argument("attachment_store: empty root directory");
}

std::filesystem::path attachment_store::path_for(std::string_view sha256) const {
  if (!is_hex64(sha256)) {
    throw std::invalid_argument("attachment_store: not a lower-case hex SHA-256 digest");
  }
  return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256.substr(2, 2)) /
         std::string(sha256);
}

std::optional<std::filesystem::path> attachment_store::find(std::string_view sha256) const {
  auto path = path_for(sha256);
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

stored_attachment attachment_store::store(std::string_view bytes) const {
  stored_attachment result;
  result.sha256 = sha256_hex(bytes);
  result.path = path_for(result.sha256);
  std::error_code ec;
  if (std::filesystem::is_regular_file(result.path, ec)) return result;  // content-addressed

  const auto dir = result.path.parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) io_failure("cannot create directory", dir, ec.value());

  // A unique temporary name in the same directory (same file system, so rename is atomic).
  static std::atomic<unsigned long> counter{0};
  const auto tmp = dir / (".tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(counter.fetch_add(1)) + "-" + result.sha256.substr(0, 8));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) io_failure("cannot create", tmp, errno);
  temp_file file(fd, tmp);

  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_failure("cannot write", tmp, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) io_failure("cannot fsync", tmp, errno);
  if (file.close() != 0) io_failure("cannot close", tmp, errno);
  if (::rename(tmp.c_str(), result.path.c_str()) != 0)
    io_failure("cannot rename to", result.path, errno);
  file.release();
  result.created = true;
  return result;
}

}  // namespace ferry::mail
