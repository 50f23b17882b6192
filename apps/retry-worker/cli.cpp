#include "cli.hpp"

#include <iomanip>

#include "views.hpp"

namespace ferry::apps::retry {
namespace {

// One line of an error message: newlines would break the listing.
std::string one_line(std::string s, std::size_t max = 80) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

int list(const command& cmd, dlq_admin& admin, std::ostream& out) {
  if (cmd.queue.empty()) {
    const auto stats = admin.stats();
    if (cmd.json) {
      out << dump(stats_view(stats)) << "\n";
      return 0;
    }
    out << std::left << std::setw(28) << "QUEUE" << std::setw(8) << "BACKEND" << std::right
        << std::setw(8) << "DEAD" << std::setw(8) << "READY" << std::setw(11) << "SCHEDULED"
        << "\n";
    for (const auto& s : stats) {
      out << std::left << std::setw(28) << s.queue << std::setw(8) << to_string(s.backend)
          << std::right << std::setw(8) << s.dead;
      if (s.stats) out << std::setw(8) << s.stats->ready << std::setw(11) << s.stats->scheduled;
      out << "\n";
    }
    return 0;
  }
  const auto page = admin.list(cmd.queue, cmd.offset, cmd.limit);
  if (cmd.json) {
    out << dump(page_view(page)) << "\n";
    return 0;
  }
  out << page.queue << " (" << to_string(page.backend) << "): " << page.total << " dead letter(s)";
  if (!page.entries.empty()) {
    out << ", showing " << page.offset + 1 << "-" << page.offset + page.entries.size();
  }
  out << "\n";
  for (const auto& e : page.entries) {
    out << "  " << e.id << "  attempts=" << e.attempts;
    if (e.max_attempts) out << "/" << *e.max_attempts;
    if (e.dead_at) out << "  dead_at=" << iso8601(*e.dead_at);
    out << "  error=" << one_line(e.error) << "\n";
  }
  return 0;
}

// requeue/purge of every dead letter of the queue: "<verb> N dead letter(s) of <queue>".
int report_all(std::ostream& out, std::string_view verb, std::size_t n, const command& cmd) {
  out << verb << " " << n << " dead letter(s) of " << cmd.queue << "\n";
  return 0;
}

// requeue/purge of one dead letter: "<verb> <id>", or exit 1 when it was not there.
int report_one(std::ostream& out, std::string_view verb, bool found, const command& cmd) {
  if (!found) {
    out << "no dead letter " << cmd.id << " in " << cmd.queue << "\n";
    return 1;
  }
  out << verb << " " << cmd.id << "\n";
  return 0;
}

}  // namespace

int run_dlq_command(const command& cmd, dlq_admin& admin, std::ostream& out) {
  switch (cmd.kind) {
    case command_kind::dlq_list: return list(cmd, admin, out);
    case command_kind::dlq_requeue:
      if (cmd.all) return report_all(out, "requeued", admin.requeue_all(cmd.queue), cmd);
      return report_one(out, "requeued", admin.requeue(cmd.queue, cmd.id), cmd);
    case command_kind::dlq_purge:
      if (cmd.id.empty()) return report_all(out, "deleted", admin.purge(cmd.queue), cmd);
      return report_one(out, "deleted", admin.remove(cmd.queue, cmd.id), cmd);
    case command_kind::serve: break;
  }
  return 2;
}

}  // namespace ferry::apps::retry
