#include <catch2/catch.hpp>

#include <stdexcept>

#include "ferry/redis/keys.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry/redis/script.hpp"

using ferry::redis::hash_slot;

TEST_CASE("redis keys: CRC16 and hash slots follow the Cluster spec", "[redis][keys]") {
  CHECK(ferry::redis::crc16("123456789") == 0x31C3);
  CHECK(hash_slot("123456789") == 12739);
  CHECK(hash_slot("foo") == 12182);
  CHECK(hash_slot("") == 0);
  CHECK(hash_slot("{user1000}.following") == hash_slot("{user1000}.followers"));
  CHECK(hash_slot("{user1000}.following") == hash_slot("user1000"));
  // Only the first {...} counts, and an empty {} means "hash the whole key".
  CHECK(hash_slot("foo{}{bar}") == ferry::redis::crc16("foo{}{bar}") % 16384);
  CHECK(hash_slot("foo{{bar}}zap") == hash_slot("{bar"));
  CHECK(hash_slot("foo{bar}{zap}") == hash_slot("bar"));
}

TEST_CASE("redis keys: key_space prefixes and hash tags", "[redis][keys]") {
  ferry::redis::key_space q{"queue", "emails"};
  CHECK(q.key("ready") == "queue:{emails}:ready");
  CHECK(q.key("processing") == "queue:{emails}:processing");
  CHECK(hash_slot(q.key("ready")) == hash_slot(q.key("processing")));
  CHECK(q.prefix() == "queue:{emails}:");
  CHECK(q.child("dead").key("x") == "queue:{emails}:dead:x");
  CHECK(ferry::redis::key_space{"cache"}.key("user:42") == "cache:user:42");
  CHECK_THROWS_AS(ferry::redis::key_space{""}, std::invalid_argument);
  CHECK_THROWS_AS((ferry::redis::key_space{"q", "a}b"}), std::invalid_argument);
  CHECK_THROWS_AS(q.key(""), std::invalid_argument);
}

TEST_CASE("redis scan: escape_glob escapes every glob metacharacter", "[redis][scan]") {
  using ferry::redis::escape_glob;
  CHECK(escape_glob("plain:text") == "plain:text");
  CHECK(escape_glob("a*b@x") == "a\\*b@x");
  CHECK(escape_glob("[x]") == "\\[x\\]");
  CHECK(escape_glob("?") == "\\?");
  CHECK(escape_glob("back\\slash") == "back\\\\slash");
  CHECK(escape_glob("") == "");
}

TEST_CASE("redis script: SHA1 test vectors", "[redis][script]") {
  using ferry::redis::sha1_hex;
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Lengths around the 55/56/64-byte padding boundaries.
  CHECK(sha1_hex(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  CHECK(sha1_hex(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  CHECK(sha1_hex(std::string(64, 'a')) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  // What Redis itself answers to SCRIPT LOAD "return 1".
  CHECK(ferry::redis::script{"return 1"}.sha1() == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}
