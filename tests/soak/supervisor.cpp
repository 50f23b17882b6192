#include "supervisor.hpp"

#include <signal.h>

namespace soak {

using namespace std::chrono_literals;

namespace {}  // namespace

void supervisor::add(process_spec spec) {
  managed m;
  m.record.name = spec.name;
  m.spec = std::move(spec);
  procs_.push_back(std::move(m));
}

std::string supervisor::log_file(const std::string& name) const {
  return log_dir_ + "/" + name + ".log";
}

void supervisor::start(managed& m) {
  m.proc = ferry::test::child_process(
      m.spec.argv, {.env = m.spec.env, .log_file = log_file(m.spec.name), .detached = false});
}

void supervisor::tend() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& m : procs_) {
    if (m.proc.running()) continue;
    if (m.proc.pid() > 0) {  // exited on its own since the last look: note it, pause, restart
      ++m.record.exits;
      if (!m.record.exit_statuses.empty()) m.record.exit_statuses += ", ";
      m.record.exit_statuses += m.proc.exit_code() ? std::to_string(*m.proc.exit_code()) : "?";
      m.proc.terminate(0ms);        // reaps the group's leftovers, forgets the pid
      m.start_after = now + 500ms;  // a broker still down would otherwise make it spin
      continue;
    }
    if (now >= m.start_after) start(m);
  }
}

std::string supervisor::kill_random(std::mt19937_64& rng) {
  if (procs_.empty()) return "";
  auto& m = procs_[std::uniform_int_distribution<std::size_t>{0, procs_.size() - 1}(rng)];
  if (!m.proc.running()) return m.spec.name + " (not running)";
  m.proc.signal_group(SIGKILL);
  m.proc.wait_for_exit(5s);
  m.proc.terminate(0ms);
  ++m.record.kills;
  start(m);
  return m.spec.name;
}

void supervisor::stop_all() {
  for (auto& m : procs_) m.proc.signal_group(SIGTERM);  // all at once: they stop in parallel
  for (auto& m : procs_) m.proc.terminate(15s);
}

std::vector<process_record> supervisor::records() const {
  std::vector<process_record> out;
  for (const auto& m : procs_) out.push_back(m.record);
  return out;
}

}  // namespace soak
