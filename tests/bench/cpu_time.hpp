// The benchmark drivers' CPU clocks: this process's user + system CPU time, so a driver can
// report CPU per message beside its wall-clock rate, and the same for a server process (from
// /proc), so it can say what each message cost the broker.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry_bench {

/// User + system CPU seconds this process has used so far (getrusage(RUSAGE_SELF)).
inline double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

/// User + system CPU seconds process `pid` has used so far (all its threads), from
/// /proc/<pid>/stat; nullopt when it cannot be read. Clock-tick resolution (10 ms), so use it
/// over runs of seconds.
inline std::optional<double> process_cpu_seconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return std::nullopt;
  char buf[1024];
  const std::size_t got = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const std::string stat(buf, got);
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::size_t pos = close + 2;
  for (int field = 3; field < 14; ++field) {  // utime is field 14, stime 15
    pos = stat.find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  try {
    std::size_t used = 0;
    const double utime = std::stod(stat.substr(pos), &used);
    const double stime = std::stod(stat.substr(pos + used + 1));
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  } catch (...) {
    return std::nullopt;
  }
}

/// CPU seconds used so far by every process in `pids` together (nullopt if one is unreadable).
inline std::optional<double> processes_cpu_seconds(const std::vector<int>& pids) {
  double total = 0;
  for (const int pid : pids) {
    const auto s = process_cpu_seconds(static_cast<pid_t>(pid));
    if (!s) return std::nullopt;
    total += *s;
  }
  return total;
}

/// The CPU time server processes spend between start() and field(), per item: for a driver
/// that says what each message cost the broker. With no pids it reports nothing.
class server_cpu_clock {
 public:
  explicit server_cpu_clock(std::vector<int> pids) : pids_(std::move(pids)) {}
  void start() { start_ = processes_cpu_seconds(pids_); }
  /// " <name>=<µs per item>", or "" when there are no pids, no items, or /proc was unreadable.
  [[nodiscard]] std::string field(std::string_view name, std::size_t items) const {
    if (pids_.empty() || items == 0 || !start_) return {};
    const auto now = processes_cpu_seconds(pids_);
    if (!now) return {};
    char buf[96];
    std::snprintf(buf, sizeof buf, " %.*s=%.1f", static_cast<int>(name.size()), name.data(),
                  (*now - *start_) * 1e6 / static_cast<double>(items));
    return buf;
  }

 private:
  std::vector<int> pids_;
  std::optional<double> start_;
};

}  // namespace ferry_bench
