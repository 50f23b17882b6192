#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "amqp/detail/c_types.hpp"
#include "ferry/amqp/table.hpp"

using namespace ferry::amqp;

TEST_CASE("amqp table: set, replace, typed lookups", "[amqp][table]") {
  table t;
  t.set("a", 1).set("b", "two").set("c", true);
  CHECK(t.size() == 3);
  CHECK(t.get_int("a") == 1);
  CHECK(t.get_string("b") == std::string("two"));
  CHECK(t.find("c")->as_bool() == true);
  CHECK_FALSE(t.get_int("b"));
  CHECK_FALSE(t.find("zzz"));
  t.set("a", std::int64_t{5});
  CHECK(t.size() == 3);
  CHECK(t.get_int("a") == 5);
  CHECK(t.erase("a"));
  CHECK_FALSE(t.contains("a"));
  CHECK(t.begin()->first == "b");  // insertion order kept
}

TEST_CASE("amqp field_value keeps the exact integer width", "[amqp][table]") {
  CHECK(std::holds_alternative<std::int32_t>(field_value(42).value()));
  CHECK(std::holds_alternative<std::int64_t>(field_value(std::int64_t{42}).value()));
  CHECK(std::holds_alternative<std::uint8_t>(field_value(std::uint8_t{1}).value()));
  CHECK(std::holds_alternative<std::int8_t>(field_value(std::int8_t{-1}).value()));
  CHECK(std::holds_alternative<std::string>(field_value("s").value()));
  CHECK(std::holds_alternative<bool>(field_value(false).value()));
  CHECK(field_value(nullptr).is_void());
  CHECK(field_value(std::uint64_t{1} << 63).as_int() == std::nullopt);
  CHECK(field_value(std::int16_t{-7}).as_int() == -7);
}

TEST_CASE("amqp table round-trips every field type through rabbitmq-c structs", "[amqp][table]") {
  // A Celery-like header set: nested tables and arrays of strings, ints and nulls.
  table inner{{"retries", 0}, {"origin", "gen1@host"}, {"eta", nullptr}};
  table t;
  t.set("void", nullptr)
      .set("bool", true)
      .set("i8", std::int8_t{-8})
      .set("u8", std::uint8_t{8})
      .set("i16", std::int16_t{-16})
      .set("u16", std::uint16_t{16})
      .set("i32", std::int32_t{-32})
      .set("u32", std::uint32_t{32})
      .set("i64", std::int64_t{-64})
      .set("u64", std::uint64_t{64})
      .set("f32", 1.5f)
      .set("f64", 2.25)
      .set("decimal", decimal{2, 12345})
      .set("ts", timestamp{std::chrono::sys_seconds(std::chrono::seconds(1700000000))})
      .set("str", "héllo")
      .set("bytes", bytes{std::string("\0\1\2", 3)})
      .set("array", array{1, "two", nullptr, array{3}, inner})
      .set("table", inner);

  detail::arena a;
  const amqp_table_t c = detail::to_c(t, a);
  CHECK(c.num_entries == static_cast<int>(t.size()));
  const table back = detail::from_c(c);
  CHECK(back == t);
  CHECK(back.find("array")->as_array()->at(4).as_table()->get_string("origin") ==
        std::string("gen1@host"));
}

TEST_CASE("amqp properties round-trip through rabbitmq-c structs", "[amqp][table]") {
  properties p;
  p.content_type = "application/json";
  p.content_encoding = "utf-8";
  p.headers.set("x-ferry-attempts", std::int64_t{2});
  p.priority = 5;
  p.correlation_id = "corr";
  p.reply_to = "replies";
  p.expiration = std::chrono::milliseconds(1500);
  p.message_id = "id-1";
  p.timestamp = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  p.type = "email";
  p.app_id = "ferry-test";
  detail::arena a;
  amqp_basic_properties_t c;
  detail::to_c(p, c, a);
  CHECK(c.delivery_mode == 2);
  const properties back = detail::from_c(c);
  CHECK(back.persistent);
  CHECK(back.content_type == p.content_type);
  CHECK(back.content_encoding == p.content_encoding);
  CHECK(back.headers == p.headers);
  CHECK(back.priority == p.priority);
  CHECK(back.correlation_id == p.correlation_id);
  CHECK(back.reply_to == p.reply_to);
  CHECK(back.expiration == p.expiration);
  CHECK(back.message_id == p.message_id);
  CHECK(back.timestamp == p.timestamp);
  CHECK(back.type == p.type);
  CHECK(back.app_id == p.app_id);
  CHECK_FALSE(back.user_id);

  properties transient;
  transient.persistent = false;
  detail::to_c(transient, c, a);
  CHECK(c.delivery_mode == 1);
  CHECK_FALSE(detail::from_c(c).persistent);
}
