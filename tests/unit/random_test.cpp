// Ids drawn in forked children: each process must produce its own, never its parent's sequence.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "ferry/core/random.hpp"

// Set by tests/unit/CMakeLists.txt when the celery component is built: its headers sit in the
// same include directory either way, so __has_include cannot tell.
#ifdef FERRY_TEST_CELERY_IDS
#include "ferry/celery/protocol/task_request.hpp"
#endif

namespace {

// Forks `children` processes that each write `per_child` ids (one a line) to a pipe, and returns
// every id read back, with the parent's own next ids. The parent draws one first, so a generator
// whose state fork() copies would hand every child the same continuation.
std::vector<std::string> ids_across_forks(const std::function<std::string()>& next_id, int children,
                                          int per_child) {
  std::vector<std::string> all{next_id()};
  std::vector<std::pair<pid_t, FILE*>> procs;
  for (int c = 0; c < children; ++c) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      std::string out;
      for (int i = 0; i < per_child; ++i) out += next_id() + "\n";
      const char* p = out.data();
      std::size_t left = out.size();
      while (left > 0) {
        const auto n = ::write(fds[1], p, left);
        if (n <= 0) ::_exit(1);
        p += n;
        left -= static_cast<std::size_t>(n);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    procs.emplace_back(pid, ::fdopen(fds[0], "r"));
  }
  for (int i = 0; i < per_child; ++i) all.push_back(next_id());
  for (auto& [pid, f] : procs) {
    char line[128];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      std::string s(line);
      if (!s.empty() && s.back() == '\n') s.pop_back();
      all.push_back(s);
    }
    std::fclose(f);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  return all;
}

}  // namespace

TEST_CASE("random_hex128: forked children never repeat each other's or the parent's values",
          "[core][random]") {
  const int children = 6, per_child = 200;
  const auto ids = ids_across_forks([] { return ferry::random_hex128(); }, children, per_child);
  REQUIRE(ids.size() == static_cast<std::size_t>(1 + (children + 1) * per_child));
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  CHECK(ids.front().size() == 32);
}

#ifdef FERRY_TEST_CELERY_IDS
TEST_CASE("new_task_id: unique across forked processes, uuid4 form", "[celery][random]") {
  const int children = 6, per_child = 200;
  const auto ids =
      ids_across_forks([] { return ferry::celery::protocol::new_task_id(); }, children, per_child);
  REQUIRE(ids.size() == static_cast<std::size_t>(1 + (children + 1) * per_child));
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  for (const auto& id : ids) {
    REQUIRE(id.size() == 36);
    CHECK(id[14] == '4');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  }
}
#endif
