#include "ferry/sql/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "ferry/core/error.hpp"
#include "sql/session_impl.hpp"

namespace ferry::sql {
namespace {

// SQLite calls this every few hundred VM steps; a non-zero return interrupts the statement
// with SQLITE_INTERRUPT, which we report as errc::timeout.
int progress_handler(void* arg) {
  auto* s = static_cast<detail::session_state*>(arg);
  if (s->deadline_armed && std::chrono::steady_clock::now() >= s->deadline) {
    s->deadline_fired = true;
    return 1;
  }
  return 0;
}

// Arms the SQLite deadline for the duration of one statement (PostgreSQL enforces its own).
class deadline_scope {
 public:
  explicit deadline_scope(detail::session_state& s) : s_(s) {
    s_.deadline_fired = false;
    if (s_.options.query_timeout) {
      s_.deadline = std::chrono::steady_clock::now() + *s_.options.query_timeout;
      s_.deadline_armed = true;
    }
  }
  ~deadline_scope() { s_.deadline_armed = false; }
  deadline_scope(const deadline_scope&) = delete;
  deadline_scope& operator=(const deadline_scope&) = delete;

 private:
  detail::session_state& s_;
};

void sqlite_exec(::sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = ::sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : ::sqlite3_errstr(rc);
    ::sqlite3_free(err);
    detail::throw_sqlite_error(db, rc, sql, msg);
  }
}

// SOCI's SQLite backend treats a connect string containing '=' as key=value pairs.
std::string sqlite_connect_string(const std::string& path) {
  if (path.find('=') == std::string::npos) return path;
  if (path.find_first_of(" \"") != std::string::npos) {
    throw error(
        errc::config,
        fmt::format("SQLite path '{}': '=' together with a space or '\"' is not supported", path));
  }
  return "db=\"" + path + "\"";
}

void open_sqlite(detail::session_state& s, const database_url& url) {
  s.sql.open(soci::sqlite3, sqlite_connect_string(url.path));
  s.sqlite_db = detail::sqlite_handle(s.sql);
  ::sqlite3_extended_result_codes(s.sqlite_db, 1);
  const auto& timeout = s.options.query_timeout;
  const auto busy_ms =
      timeout ? static_cast<int>(std::clamp<std::int64_t>(timeout->count(), 1, INT_MAX)) : INT_MAX;
  ::sqlite3_busy_timeout(s.sqlite_db, busy_ms);
  if (timeout) ::sqlite3_progress_handler(s.sqlite_db, 1000, &progress_handler, &s);
  deadline_scope guard(s);
  sqlite_exec(s.sqlite_db,
              s.options.foreign_keys ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
  if (s.options.sqlite_wal && url.path != ":memory:") {
    sqlite_exec(s.sqlite_db, "PRAGMA journal_mode=WAL");
    sqlite_exec(s.sqlite_db, "PRAGMA synchronous=NORMAL");  // durable at checkpoints; WAL default
  }
}

void open_postgresql(detail::session_state& s, const database_url& url) {
  auto target = url;
  if (!target.connect_timeout) {
    const auto ms = s.options.connect_timeout.count();
    target.connect_timeout = std::chrono::seconds(std::max<std::int64_t>(1, (ms + 999) / 1000));
  }
  s.sql.open(soci::postgresql, target.postgresql_connection_string());
  s.pg_conn = detail::postgresql_handle(s.sql);
  // libpq prints server NOTICEs ("relation already exists, skipping") to stderr by default;
  // the library never prints.
  PQsetNoticeProcessor(
      s.pg_conn, [](void*, const char*) {}, nullptr);
  const auto ms = s.options.query_timeout ? s.options.query_timeout->count() : 0;  // 0 = off
  s.sql << fmt::format("SET statement_timeout = {}", ms);
}

// Storage for bound parameters and fetched columns; addresses must stay put while SOCI holds
// pointers to them, so the vectors are sized once.
struct slot {
  long long i = 0;
  double d = 0;
  std::string s;
  soci::indicator ind = soci::i_ok;
};

void bind_params(soci::statement& st, std::vector<slot>& slots, const std::vector<value>& params) {
  slots.resize(params.size());
  for (std::size_t n = 0; n < params.size(); ++n) {
    auto& sl = slots[n];
    const auto& p = params[n];
    if (const auto* i = std::get_if<std::int64_t>(&p)) {
      sl.i = *i;
      st.exchange(soci::use(sl.i, sl.ind));
    } else if (const auto* d = std::get_if<double>(&p)) {
      sl.d = *d;
      st.exchange(soci::use(sl.d, sl.ind));
    } else if (const auto* s = std::get_if<std::string>(&p)) {
      sl.s = *s;
      st.exchange(soci::use(sl.s, sl.ind));
    } else {
      sl.ind = soci::i_null;
      st.exchange(soci::use(sl.s, sl.ind));
    }
  }
}

value read_slot(const slot& sl, column_type t) {
  if (sl.ind == soci::i_null) return std::monostate{};
  switch (t) {
    case column_type::integer: return static_cast<std::int64_t>(sl.i);
    case column_type::real: return sl.d;
    case column_type::text: return sl.s;
  }
  return std::monostate{};
}

// Splits a script at top-level ';' (outside quotes and comments); drops empty statements.
std::vector<std::string> split_script(std::string_view script) {
  std::vector<std::string> out;
  std::string current;
  bool has_code = false;
  enum { normal, single, dquote, line_comment, block_comment } state = normal;
  for (std::size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    const char next = i + 1 < script.size() ? script[i + 1] : '\0';
    switch (state) {
      case normal:
        if (c == ';') {
          if (has_code) out.push_back(current);
          current.clear();
          has_code = false;
          continue;
        }
        if (c == '-' && next == '-') {
          state = line_comment;
          ++i;
          continue;
        }
        if (c == '/' && next == '*') {
          state = block_comment;
          ++i;
          continue;
        }
        if (c == '\'') state = single;
        if (c == '"') state = dquote;
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r') has_code = true;
        current += c;
        break;
      case single:
        current += c;
        if (c == '\'') state = normal;
        break;
      case dquote:
        current += c;
        if (c == '"') state = normal;
        break;
      case line_comment:
        if (c == '\n') {
          state = normal;
          current += c;
        }
        break;
      case block_comment:
        if (c == '*' && next == '/') {
          state = normal;
          ++i;
        }
        break;
    }
  }
  if (has_code) out.push_back(current);
  return out;
}

}  // namespace

namespace detail {
void throw_decode_error(const value& got, std::string_view wanted) {
  static constexpr const char* names[] = {"NULL", "an integer", "a real", "text"};
  throw error(errc::decode_error,
              fmt::format("sql: cannot read {} as {}", names[got.index()], wanted));
}
}  // namespace detail

session::session(const database_url& url, session_options options)
    : impl_(std::make_unique<detail::session_state>()) {
  if (options.query_timeout && options.query_timeout->count() <= 0) {
    throw std::invalid_argument("sql::session_options::query_timeout must be positive");
  }
  impl_->kind = url.kind;
  impl_->options = options;
  try {
    if (url.kind == backend::sqlite) {
      open_sqlite(*impl_, url);
    } else {
      open_postgresql(*impl_, url);
    }
  } catch (...) {
    detail::rethrow_as_ferry_error(*impl_, "connect", {}, url.to_string());
  }
}

session::session(session&&) noexcept = default;
session& session::operator=(session&&) noexcept = default;

session::~session() {
  if (impl_ && impl_->in_transaction) rollback();
}

namespace {
detail::session_state& live(const std::unique_ptr<detail::session_state>& s) {
  if (!s) throw error(errc::closed, "sql: session was moved from");
  return *s;
}
}  // namespace

backend session::kind() const {
  return live(impl_).kind;
}

bool session::healthy() const noexcept {
  return impl_ && impl_->healthy;
}

bool session::in_transaction() const noexcept {
  return impl_ && impl_->in_transaction;
}

std::uint64_t session::exec_values(std::string_view sql, const std::vector<value>& params) {
  auto& s = live(impl_);
  try {
    deadline_scope guard(s);
    std::vector<slot> slots;
    soci::statement st(s.sql);
    bind_params(st, slots, params);
    st.alloc();
    st.prepare(std::string(sql), soci::details::st_one_time_query);
    st.define_and_bind();
    st.execute(true);
    const auto affected = st.get_affected_rows();
    return affected > 0 ? static_cast<std::uint64_t>(affected) : 0;
  } catch (...) {
    detail::rethrow_as_ferry_error(s, "exec", sql);
  }
}

std::vector<row> session::query_values(std::string_view sql, const std::vector<value>& params,
                                       std::span<const column_type> columns, bool first_only) {
  auto& s = live(impl_);
  try {
    deadline_scope guard(s);
    std::vector<slot> slots;
    std::vector<slot> outs(columns.size());
    soci::statement st(s.sql);
    for (std::size_t n = 0; n < columns.size(); ++n) {
      auto& o = outs[n];
      switch (columns[n]) {
        case column_type::integer: st.exchange(soci::into(o.i, o.ind)); break;
        case column_type::real: st.exchange(soci::into(o.d, o.ind)); break;
        case column_type::text: st.exchange(soci::into(o.s, o.ind)); break;
      }
    }
    bind_params(st, slots, params);
    st.alloc();
    st.prepare(std::string(sql), soci::details::st_one_time_query);
    st.define_and_bind();
    std::vector<row> rows;
    bool have = st.execute(true);
    while (have) {
      row r;
      r.reserve(columns.size());
      for (std::size_t n = 0; n < columns.size(); ++n) r.push_back(read_slot(outs[n], columns[n]));
      rows.push_back(std::move(r));
      if (first_only) break;
      have = st.fetch();
    }
    return rows;
  } catch (...) {
    detail::rethrow_as_ferry_error(s, "query", sql);
  }
}

void session::exec_script(std::string_view script) {
  for (const auto& stmt : split_script(script)) exec_values(stmt, {});
}

void session::begin() {
  if (live(impl_).in_transaction) {
    throw std::invalid_argument("sql::transaction: the session is already in a transaction");
  }
  // IMMEDIATE takes SQLite's write lock now, so a second writer waits on the busy timeout here
  // rather than failing with SQLITE_BUSY in the middle of the transaction.
  exec_values(impl_->kind == backend::sqlite ? "BEGIN IMMEDIATE" : "BEGIN", {});
  impl_->in_transaction = true;
}

void session::commit() {
  try {
    exec_values("COMMIT", {});
  } catch (...) {
    rollback();
    throw;
  }
  impl_->in_transaction = false;
}

void session::rollback() noexcept {
  impl_->in_transaction = false;
  try {
    if (impl_->sqlite_db != nullptr && ::sqlite3_get_autocommit(impl_->sqlite_db) != 0) return;
    exec_values("ROLLBACK", {});
  } catch (...) {  // NOLINT(bugprone-empty-catch): the transaction is over either way
  }
}

transaction::transaction(session& s) : session_(&s) {
  s.begin();
}

transaction::~transaction() {
  if (!done_) session_->rollback();
}

void transaction::commit() {
  if (done_) throw std::invalid_argument("sql::transaction: already committed");
  done_ = true;
  session_->commit();
}

}  // namespace ferry::sql
