// Celery messages in AMQP form against the frames py-amqp wrote (captured vectors): the content
// header ferry encodes is byte-identical, and decoding the captured one gives the same message.

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "amqp/detail/c_types.hpp"
#include "amqp/detail/rabbitmq_c.hpp"
#include "ferry/celery/amqp/message.hpp"
#include "ferry/celery/protocol/task_request.hpp"

namespace fc = ferry::celery::protocol;
namespace fca = ferry::celery::amqp;
using fc::json;

namespace {

const std::string data_dir = FERRY_CELERY_TEST_DATA_DIR;

json load(const std::string& name) {
  std::ifstream in(data_dir + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::string b64decode(const std::string& in) {
  static const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    if (c == '=') break;
    auto pos = chars.find(c);
    if (pos == std::string::npos) continue;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

// The task_message the vector's publish carried (properties from the decoded header).
fc::task_message message_of(const json& published) {
  const json& p = published.at("content_header_decoded").at("properties_typed");
  fc::task_message m;
  m.properties = fc::message_properties{
      .content_type = {}, .content_encoding = {}, .delivery_mode = {}, .priority = {}};
  const auto str = [&](const char* k) -> std::optional<std::string> {
    if (!p.contains(k)) return std::nullopt;
    return p.at(k).get<std::string>();
  };
  const auto byte = [&](const char* k) -> std::optional<std::uint8_t> {
    if (!p.contains(k)) return std::nullopt;
    return p.at(k).get<std::uint8_t>();
  };
  m.properties.content_type = str("content_type");
  m.properties.content_encoding = str("content_encoding");
  m.properties.delivery_mode = byte("delivery_mode");
  m.properties.priority = byte("priority");
  m.properties.correlation_id = str("correlation_id");
  m.properties.reply_to = str("reply_to");
  m.properties.expiration = str("expiration");
  m.headers = published.at("headers_plain");
  m.body = published.at("body_text").get<std::string>();
  return m;
}

// Property bytes of a content-header frame payload: after class, weight and body size.
std::string properties_bytes(const std::string& payload) {
  return payload.substr(12);
}

std::vector<std::string> amqp_send_vectors() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(data_dir)) {
    const auto name = e.path().filename().string();
    if (name.starts_with("amqp_send_") && name != "amqp_send_protocol_v1.json") out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a Celery message encodes to the content header py-amqp wrote, byte for byte",
          "[celery][amqp]") {
  const auto names = amqp_send_vectors();
  REQUIRE(names.size() >= 10);
  for (const auto& name : names) {
    INFO(name);
    const json v = load(name);
    for (const auto& published : v.at("published")) {
      const fc::task_message m = message_of(published);
      const ferry::amqp::message am = fca::to_amqp_message(m);
      CHECK(am.body == m.body);
      ferry::amqp::detail::arena a;
      amqp_basic_properties_t c;
      ferry::amqp::detail::to_c(am.props, c, a);
      std::string buf(1 << 16, '\0');
      amqp_bytes_t out{buf.size(), buf.data()};
      const int n = amqp_encode_properties(AMQP_BASIC_CLASS, &c, out);
      REQUIRE(n > 0);
      const std::string want =
          properties_bytes(b64decode(published.at("content_header_frame_payload_b64")));
      CHECK(buf.substr(0, static_cast<std::size_t>(n)) == want);
    }
  }
}

TEST_CASE("a content header RabbitMQ delivered decodes to the headers Celery sent",
          "[celery][amqp]") {
  for (const auto& name : amqp_send_vectors()) {
    INFO(name);
    const json v = load(name);
    for (const auto& delivered : v.at("delivered")) {
      std::string bytes =
          properties_bytes(b64decode(delivered.at("content_header_frame_payload_b64")));
      amqp_pool_t pool;
      init_amqp_pool(&pool, 4096);
      amqp_basic_properties_t* decoded = nullptr;
      amqp_bytes_t in{bytes.size(), bytes.data()};
      REQUIRE(amqp_decode_properties(AMQP_BASIC_CLASS, &pool, in,
                                     reinterpret_cast<void**>(&decoded)) == 0);
      ferry::amqp::message am;
      am.props = ferry::amqp::detail::from_c(*decoded);
      am.body = delivered.at("body_text").get<std::string>();
      empty_amqp_pool(&pool);
      const fc::task_message m = fca::from_amqp_message(am);
      CHECK(m.headers == delivered.at("headers_plain"));
      CHECK(m.properties.content_type == "application/json");
      CHECK(m.properties.delivery_mode == 2);
      // The ferry worker accepts every captured task message.
      CHECK_NOTHROW(fc::parse_message(m));
    }
  }
}

TEST_CASE("header integers use py-amqp's tags: I within 32 bits, L (signed 64) beyond",
          "[celery][amqp]") {
  const json h = json::parse(R"({"small": -5, "big": 1099511627776, "neg": -1099511627776})");
  const auto t = fca::to_amqp_table(h);
  CHECK(std::holds_alternative<std::int32_t>(t.find("small")->value()));
  CHECK(std::holds_alternative<std::uint64_t>(t.find("big")->value()));
  CHECK(fca::from_amqp_table(t) == h);
}

TEST_CASE("expiration travels as milliseconds; a missing content_type stays missing",
          "[celery][amqp]") {
  fc::task_message m;
  m.properties.expiration = "1500";
  m.properties.content_type.reset();
  const auto am = fca::to_amqp_message(m);
  REQUIRE(am.props.expiration);
  CHECK(am.props.expiration->count() == 1500);
  const auto back = fca::from_amqp_message(am);
  CHECK(back.properties.expiration == "1500");
  CHECK_FALSE(back.properties.content_type);
}
