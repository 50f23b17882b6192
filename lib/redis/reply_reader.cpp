#include "redis/reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>
#include <string>

#include "redis/protocol.hpp"

namespace ferry::redis::detail {
namespace {

// --- hiredis reader callbacks: build ferry replies in place --------------------------------
//
// hiredis parses RESP and calls these to create reply objects. Building `reply` values here
// (instead of hiredis' redisReply and converting) saves one copy of every string and one
// allocation per reply: the root lives in the reader's slot (reader privdata) and array
// elements live inside their parent's vector. hiredis asks for the elements of an array in
// order, after the array itself; each element is appended to its parent's vector when it
// arrives (reply_builder::element), so memory follows the bytes received, not the count the
// peer announced. Appending may move the earlier, complete siblings; hiredis keeps pointers
// only to the replies still being built (the element's ancestors), which do not move.
// A nullptr return makes hiredis fail the stream with "Out of memory".

reply* slot_for(const redisReadTask* task) noexcept {
  if (task->parent != nullptr) {
    auto* parent = static_cast<reply*>(task->parent->obj);
    try {
      return reply_builder::element(*parent, static_cast<std::size_t>(task->idx));
    } catch (...) {
      return nullptr;
    }
  }
  return static_cast<reply*>(task->privdata);
}

void* make_string(const redisReadTask* task, const char* str, std::size_t len) noexcept {
  reply* r = slot_for(task);
  if (r == nullptr) return nullptr;
  auto k = task->type == REDIS_REPLY_ERROR    ? reply::kind::error
           : task->type == REDIS_REPLY_STATUS ? reply::kind::status
                                              : reply::kind::string;
  try {
    reply_builder::set_string(*r, k, str, len);
  } catch (...) {
    return nullptr;
  }
  return r;
}

void* make_array(const redisReadTask* task, std::size_t elements) noexcept {
  reply* r = slot_for(task);
  if (r == nullptr) return nullptr;
  try {
    reply_builder::set_array(*r, elements);
  } catch (...) {
    return nullptr;
  }
  return r;
}

void* create_integer(const redisReadTask* task, long long value) noexcept {
  reply* r = slot_for(task);
  if (r == nullptr) return nullptr;
  reply_builder::set_integer(*r, value);
  return r;
}

void* create_nil(const redisReadTask* task) noexcept {
  reply* r = slot_for(task);
  if (r == nullptr) return nullptr;
  reply_builder::reset(*r);
  return r;
}

// Only ever called for a root object, which is the reader's slot: reset, never delete.
void free_object(void* obj) noexcept {
  reply_builder::reset(*static_cast<reply*>(obj));
}

// --- the hiredis version seam ---------------------------------------------------------------
//
// hiredis 1.0 changed the callback table (redisReplyObjectFunctions): createArray takes a
// size_t instead of an int, and RESP3's createDouble and createBool slots sit between the old
// ones, so a 0.14 table does not compile against 1.x. This block is the only code that differs
// between the two; the rest of ferry uses only what both share (redisConnect*WithTimeout,
// redisFree, the context's err/errstr/fd, the reader's feed/get-reply calls and its
// err/errstr/pos/len/ridx fields).
//
// ferry speaks RESP2: it never sends HELLO 3, and a RESP2 server sends none of RESP3's types.
// hiredis 1.x parses them anyway, so the RESP3 slots are filled with what the server itself
// sends a RESP2 client for the same value, and a connection someone switches to RESP3 (with
// connection::command({"HELLO", "3"})) still yields ferry's RESP2 kinds: a double is the bulk
// string of its text (",3.5" reads as "3.5", as ZSCORE answers in RESP2), a boolean is the
// integer 1 or 0 (Redis's RESP2 form of a boolean reply; a Lua script's false, which RESP2
// turns into nil, reads as 0), a null is nil, a map is the flat key/value array (HGETALL's RESP2
// shape), sets and pushes are arrays, a big number is its digits, and a verbatim string loses its
// "txt:" format prefix. Pushes (out-of-band in RESP3) and attributes then read as replies,
// which is why ferry itself stays on RESP2. hiredis 0.14 rejects RESP3 type bytes as a
// protocol error, which breaks the connection.
#if HIREDIS_MAJOR >= 1

constexpr bool parses_resp3 = true;

void* create_string(const redisReadTask* task, char* str, size_t len) noexcept {
  // A verbatim string arrives with its 3-letter format and ':' in front (checked by hiredis).
  if (task->type == REDIS_REPLY_VERB) return make_string(task, str + 4, len - 4);
  return make_string(task, str, len);
}

void* create_array(const redisReadTask* task, size_t elements) noexcept {
  return make_array(task, elements);
}

// `str` is the double's text as the server sent it ("3.5", "inf", "-inf", "nan").
void* create_double(const redisReadTask* task, double, char* str, size_t len) noexcept {
  return make_string(task, str, len);
}

void* create_bool(const redisReadTask* task, int value) noexcept {
  return create_integer(task, value != 0 ? 1 : 0);
}

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer,
                                             create_double, create_nil,   create_bool,
                                             free_object};

#else  // hiredis 0.14

constexpr bool parses_resp3 = false;

void* create_string(const redisReadTask* task, char* str, size_t len) noexcept {
  return make_string(task, str, len);
}

// hiredis 0.14 rejects multi-bulk counts above INT_MAX before calling this, so `elements` is
// never negative here (-1, a nil array, goes to createNil).
void* create_array(const redisReadTask* task, int elements) noexcept {
  return make_array(task, static_cast<std::size_t>(elements < 0 ? 0 : elements));
}

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer,
                                             create_nil, free_object};

#endif

}  // namespace

std::string_view hiredis_version() noexcept {
  // Short enough for the small-string buffer: building it allocates nothing.
  static const std::string version = std::to_string(HIREDIS_MAJOR) + "." +
                                     std::to_string(HIREDIS_MINOR) + "." +
                                     std::to_string(HIREDIS_PATCH);
  return version;
}

bool hiredis_parses_resp3() noexcept {
  return parses_resp3;
}

// The reader keeps hiredis's defaults on both versions. maxbuf (16 KiB) only bounds the idle
// buffer hiredis keeps. hiredis 1.x adds maxelements, the largest multi-bulk count it accepts
// (2^32-1; 0.14 stops at INT_MAX): ferry leaves it alone. A pipeline is many replies, each
// counted on its own, so only one huge array reply (LRANGE, HGETALL, MGET of a big key set)
// could reach it, and a lower cap would turn such a legitimate reply into a protocol error
// that breaks the connection. Neither limit bounds memory: an array's elements are allocated
// when its count arrives, so a count no process can hold fails as "Out of memory" instead.
reply_reader::reply_reader() : reader_(redisReaderCreateWithFunctions(&reply_functions)) {
  if (reader_ == nullptr) throw std::bad_alloc();
  reader_->privdata = &slot_;
}

reply_reader::~reply_reader() {
  redisReaderFree(reader_);
}

void reply_reader::feed(const char* data, std::size_t size) {
  // Fails only when the reader already failed (next() reported it) or out of memory.
  if (redisReaderFeed(reader_, data, size) != REDIS_OK && reader_->err == REDIS_ERR_OOM) {
    throw std::bad_alloc();
  }
}

reply_reader::result reply_reader::next(reply& out) {
  void* obj = nullptr;
  if (redisReaderGetReply(reader_, &obj) != REDIS_OK) return result::bad_input;
  if (obj == nullptr) return result::incomplete;
  out = std::move(slot_);
  reply_builder::reset(slot_);
  return result::reply;
}

bool reply_reader::idle() const noexcept {
  return reader_->pos == reader_->len && reader_->ridx == -1;
}

std::string reply_reader::error_text() const {
  return reader_->errstr;
}

}  // namespace ferry::redis::detail
