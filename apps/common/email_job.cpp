#include "email_job.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include <ferry/core/error.hpp>

namespace ferry::apps {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string encode_email_job(const email_job& job) {
  if (job.email_data.has_value() == job.email_ref.has_value()) {
    throw std::invalid_argument("email_job: set exactly one of email_data and email_ref");
  }
  nlohmann::json j;
  j["message_id"] = job.message_id;
  if (job.email_data) j["email_data"] = *job.email_data;
  if (job.email_ref) j["email_ref"] = *job.email_ref;
  // Raw mail may hold any bytes; replace invalid UTF-8 rather than throw (the worker parses the
  // same bytes GMime would have seen, minus undecodable octets in 8-bit headers).
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

email_job decode_email_job(std::string_view body) {
  const auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw error(errc::decode_error, "queue message is not a JSON object");
  }
  const auto id = j.find("message_id");
  if (id == j.end() || !id->is_number_integer()) {
    throw error(errc::decode_error, "queue message has no integer message_id");
  }
  email_job job;
  job.message_id = id->get<std::int64_t>();
  if (const auto d = j.find("email_data"); d != j.end()) {
    if (!d->is_string()) throw error(errc::decode_error, "email_data is not a string");
    job.email_data = d->get<std::string>();
  }
  if (const auto r = j.find("email_ref"); r != j.end()) {
    if (!r->is_string()) throw error(errc::decode_error, "email_ref is not a string");
    job.email_ref = r->get<std::string>();
  }
  if (job.email_data.has_value() == job.email_ref.has_value()) {
    throw error(errc::decode_error, "queue message needs exactly one of email_data and email_ref");
  }
  return job;
}

std::optional<std::string> header_value(std::string_view raw, std::string_view name) {
  std::size_t pos = 0;
  // A leading mbox "From " line is not a header field.
  if (raw.starts_with("From ")) {
    pos = raw.find('\n');
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  while (pos < raw.size()) {
    std::size_t eol = raw.find('\n', pos);
    if (eol == std::string_view::npos) eol = raw.size();
    std::string_view line = raw.substr(pos, eol - pos);
    if (trim(line).empty()) return std::nullopt;  // end of the header block
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && line.front() != ' ' && line.front() != '\t' &&
        iequals(trim(line.substr(0, colon)), name)) {
      std::string value(trim(line.substr(colon + 1)));
      // RFC 5322 folding: continuation lines start with white space.
      std::size_t next = eol + 1;
      while (next < raw.size() && (raw[next] == ' ' || raw[next] == '\t')) {
        std::size_t e = raw.find('\n', next);
        if (e == std::string_view::npos) e = raw.size();
        const auto part = trim(raw.substr(next, e - next));
        if (!part.empty()) value += (value.empty() ? "" : " ") + std::string(part);
        next = e + 1;
      }
      return value;
    }
    pos = eol + 1;
  }
  return std::nullopt;
}

}  // namespace ferry::apps
