// The benchmark drivers' CPU clock: this process's user + system CPU time, so a driver can
// report CPU per message beside its wall-clock rate.
#pragma once

#include <sys/resource.h>

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

}  // namespace ferry_bench
