// The `dlq` command of ferry's apps over a dead_letter_catalog (see dead_letter_admin.hpp).
#include <iomanip>
#include <stdexcept>
#include <string>
#include <vector>

#include "dead_letter_lookup.hpp"
#include "ferry/core/error.hpp"
#include "ferry/service/dead_letter_admin.hpp"

namespace ferry::service {
namespace {

// One line of an error message: newlines would break the listing.
std::string one_line(std::string s, std::size_t max = 80) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

int list_queues(const dead_letter_catalog& catalog, const dead_letter_command& cmd,
                std::ostream& out) {
  // With --source only that store is asked: the others' servers need not even be up.
  std::vector<dead_letter_queue_info> queues;
  if (!cmd.source) {
    queues = catalog.queues();
  } else if (auto* store = catalog.find_source(*cmd.source)) {
    queues = store->queues();
  } else {
    throw error(errc::not_found, "no dead-letter source '" + *cmd.source + "'");
  }
  if (cmd.json) {
    out << dead_letter_queues_json(queues) << "\n";
    return 0;
  }
  out << std::left << std::setw(13) << "SOURCE" << std::setw(28) << "QUEUE" << std::right
      << std::setw(8) << "DEAD"
      << "\n";
  for (const auto& q : queues) {
    out << std::left << std::setw(13) << q.source << std::setw(28) << q.queue << std::right
        << std::setw(8) << q.count << "\n";
  }
  return 0;
}

int list_letters(const dead_letter_catalog& catalog, const dead_letter_command& cmd,
                 std::ostream& out) {
  const auto page = read_dead_letter_page(catalog, cmd.source, cmd.queue, cmd.offset, cmd.limit);
  if (cmd.json) {
    out << dead_letter_page_json(page) << "\n";
    return 0;
  }
  out << page.queue << " (" << page.source << "): " << page.total << " dead letter(s)";
  if (!page.letters.empty()) {
    out << ", showing " << page.offset + 1 << "-" << page.offset + page.letters.size();
  }
  out << "\n";
  for (const auto& r : page.letters) {
    out << "  " << r.id << "  attempts=" << r.attempts;
    if (r.max_attempts) out << "/" << *r.max_attempts;
    if (r.dead_at) out << "  dead_at=" << iso8601_millis(*r.dead_at);
    out << "  error=" << one_line(r.error) << "\n";
  }
  return 0;
}

// "<verb> <id>", or exit 1 when the letter was not there.
int report_one(std::ostream& out, std::string_view verb, bool found,
               const dead_letter_command& cmd) {
  if (!found) {
    out << "no dead letter " << cmd.id << " in " << cmd.queue << "\n";
    return 1;
  }
  out << verb << " " << cmd.id << "\n";
  return 0;
}

int report_all(std::ostream& out, std::string_view verb, std::size_t n,
               const dead_letter_command& cmd) {
  out << verb << " " << n << " dead letter(s) of " << cmd.queue << "\n";
  return 0;
}

}  // namespace

int run_dead_letter_command(const dead_letter_catalog& catalog, const dead_letter_command& cmd,
                            std::ostream& out) {
  if (cmd.verb == dead_letter_verb::list) {
    return cmd.queue.empty() ? list_queues(catalog, cmd, out) : list_letters(catalog, cmd, out);
  }
  auto& store = detail::checked_store_for(catalog, cmd.source, cmd.queue);
  const bool one = !cmd.id.empty();
  switch (cmd.verb) {
    case dead_letter_verb::requeue:
      if (cmd.all == one) throw std::invalid_argument("requeue needs an id or --all, not both");
      if (cmd.all) return report_all(out, "requeued", store.requeue_all(cmd.queue), cmd);
      return report_one(out, "requeued", store.requeue(cmd.queue, cmd.id), cmd);
    case dead_letter_verb::remove:
      if (!one) throw std::invalid_argument("remove needs the id of a dead letter");
      return report_one(out, "deleted", store.remove(cmd.queue, cmd.id), cmd);
    case dead_letter_verb::purge:
      if (one) return report_one(out, "deleted", store.remove(cmd.queue, cmd.id), cmd);
      return report_all(out, "deleted", store.purge(cmd.queue), cmd);
    case dead_letter_verb::list: break;
  }
  return 0;
}

}  // namespace ferry::service
