// Expected strings were produced by Python 3.11's repr() and Celery 5.2.6's saferepr().
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "celery_test_data.hpp"
#include "ferry/celery/protocol/python_repr.hpp"
#include "ferry/celery/protocol/task_request.hpp"

using ferry::celery::protocol::celery_saferepr;
using ferry::celery::protocol::json;
using ferry::celery::protocol::python_repr;

TEST_CASE("python_repr chooses quotes and escapes like Python", "[celery][repr]") {
  CHECK(python_repr("it's") == R"("it's")");
  CHECK(python_repr("say \"hi\"") == R"('say "hi"')");
  CHECK(python_repr("both ' and \"") == R"('both \' and "')");
  CHECK(python_repr("tab\tnl\nbs\\ bell\x07 del\x7f") == R"('tab\tnl\nbs\\ bell\x07 del\x7f')");
  // Printable non-ASCII stays as is.
  CHECK(python_repr("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80") ==
        "'caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80'");
  // Non-printable non-ASCII: \xNN, \uNNNN (NBSP, ZWSP, LINE SEPARATOR, private use, soft hyphen).
  CHECK(
      python_repr("nbsp\xc2\xa0 zwsp\xe2\x80\x8b lsep\xe2\x80\xa8 priv\xee\x80\x80 soft\xc2\xad") ==
      R"('nbsp\xa0 zwsp\u200b lsep\u2028 priv\ue000 soft\xad')");
  CHECK(python_repr("\xf3\xa0\x80\x81") == R"('\U000e0001')");  // language tag (Cf)
}

TEST_CASE("python_repr of numbers, None, booleans and containers", "[celery][repr]") {
  CHECK(python_repr(1.0) == "1.0");
  CHECK(python_repr(1e100) == "1e+100");
  CHECK(python_repr(1e-5) == "1e-05");
  CHECK(python_repr(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(python_repr(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(python_repr(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(python_repr(json::parse(R"([1, "a", null, true, false, {"k": [2.5]}])")) ==
        "[1, 'a', None, True, False, {'k': [2.5]}]");
  CHECK(python_repr(json::array({"x"}), true) == "('x',)");
  CHECK(python_repr(json::array(), true) == "()");
  CHECK(python_repr(json::array({1, 2}), true) == "(1, 2)");
}

TEST_CASE("celery_saferepr does not escape like repr", "[celery][repr]") {
  json j = json::object();
  j["q'uote"] = "it's\n";
  CHECK(celery_saferepr(j) == "{'q\\'uote': 'it\\'s\n'}");
  CHECK(celery_saferepr(json::parse(R"([1.0, 1e100, null, true])"), {.top_level_tuple = true}) ==
        "(1.0, 1e+100, None, True)");
  CHECK(celery_saferepr(json::array({"x"}), {.top_level_tuple = true}) == "('x',)");
}

TEST_CASE("celery_saferepr limits nesting to three levels", "[celery][repr]") {
  const auto args = json::parse(R"([[1, [2, [3, [4]]]], {"a": {"b": {"c": {}}}}])");
  CHECK(celery_saferepr(args, {.top_level_tuple = true}) ==
        "([1, [2, [...]]], {'a': {'b': {...}}})");
}

TEST_CASE("celery_saferepr truncates like Celery", "[celery][repr]") {
  std::string words;
  for (int i = 0; i < 300; ++i) words += "word ";
  std::string expected = "('";
  for (int i = 0; i < 204; ++i) expected += (i ? " word" : "word");
  expected += "...', ...";
  CHECK(celery_saferepr(json::array({words}), {.top_level_tuple = true}) == expected);

  json numbers = json::array();
  for (int i = 0; i < 400; ++i) numbers.push_back(i);
  const auto r = celery_saferepr(numbers, {.top_level_tuple = true});
  CHECK_THAT(r, Catch::StartsWith("(0, 1, 2, ") && Catch::EndsWith(", 225, 226..., ...)"));

  const auto small = json::parse(R"([1, [2, 3], {"k": "v v v v"}])");
  CHECK(celery_saferepr(small, {.maxlen = 5}) == "[1, [, ...]]");
  CHECK(celery_saferepr(small, {.maxlen = 10}) == "[1, [2, 3], ...]");
  CHECK(celery_saferepr(small, {.maxlen = 20}) == "[1, [2, 3], {'k': 'v...', ...]");
  CHECK(celery_saferepr(small, {.maxlen = std::nullopt}) == "[1, [2, 3], {'k': 'v v v v'}]");
}

TEST_CASE("celery_saferepr reproduces every captured argsrepr and kwargsrepr",
          "[celery][repr][vectors]") {
  int checked = 0;
  for (const auto& name : celery_test::files("redis_send_")) {
    const auto v = celery_test::load(name);
    if (!v.contains("messages")) continue;
    for (const auto& m : v["messages"]) {
      const auto& body = m["body_decoded"];
      const auto& headers = m["envelope"]["headers"];
      if (!headers.contains("argsrepr")) continue;  // protocol 1
      INFO(name);
      // Celery's apply_async passes a tuple; send_task (and retries) pass the caller's list.
      const std::string argsrepr = headers["argsrepr"];
      const bool tuple = argsrepr.front() == '(';
      CHECK(celery_saferepr(body[0], {.top_level_tuple = tuple}) == argsrepr);
      CHECK(celery_saferepr(body[1]) == headers["kwargsrepr"].get<std::string>());
      ++checked;
    }
  }
  CHECK(checked >= 20);
}
