#include "rpc/rpc_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "rpc/rpc_error.h"
#include "rpc/rpc_topic.h"

namespace iothub::rpc {
namespace {

using ::testing::HasSubstr;

constexpr char kDevice[] = "dev-1";

// The request's error code, or 0 when it parsed.
int CodeOf(const ParsedRequest& r) { return r.ok() ? 0 : static_cast<int>(r.error->code); }

// A well-formed request parses into id, method and params.
TEST(ParseRequestTest, ParsesValidRequest) {
  const ParsedRequest r = ParseRequest(
      R"({"id":"req-1","method":"updateDiscreteTimer","params":{"id":"t1","startTime":5},)"
      R"("deviceId":"dev-1","timestamp":1700000000000})",
      kDevice);
  ASSERT_TRUE(r.ok()) << r.error->data;
  EXPECT_EQ(r.id, "req-1");
  EXPECT_EQ(r.method, Method::kUpdateDiscreteTimer);
  EXPECT_EQ(r.params["startTime"], 5);
}

// Params may be absent for a param-less method; they stay null.
TEST(ParseRequestTest, AbsentParamsAreNull) {
  const ParsedRequest r = ParseRequest(R"({"id":"a","method":"getSensors"})", kDevice);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.params.is_null());
}

// Text that is not JSON is an invalid request with a null id.
TEST(ParseRequestTest, RefusesNonJson) {
  const ParsedRequest r = ParseRequest("hello", kDevice);
  EXPECT_EQ(CodeOf(r), -32600);
  EXPECT_EQ(r.id, "");
  EXPECT_THAT(r.error->data, HasSubstr("invalid JSON"));
}

// A JSON array (or any non-object) is an invalid request.
TEST(ParseRequestTest, RefusesJsonArray) {
  const ParsedRequest r = ParseRequest(R"([{"id":"a","method":"reboot"}])", kDevice);
  EXPECT_EQ(CodeOf(r), -32600);
  EXPECT_EQ(r.error->data, "payload: must be a JSON object");
}

// Builds a valid request padded with spaces to exactly `size` bytes.
std::string RequestOfSize(std::size_t size) {
  std::string body = R"({"id":"a","method":"reboot"})";
  body.insert(1, std::string(size - body.size(), ' '));
  return body;
}

// 10240 bytes are allowed, 10241 are not.
TEST(ParseRequestTest, SizeLimitIs10240Bytes) {
  EXPECT_TRUE(ParseRequest(RequestOfSize(10240), kDevice).ok());
  const ParsedRequest r = ParseRequest(RequestOfSize(10241), kDevice);
  EXPECT_EQ(CodeOf(r), -32600);
  EXPECT_EQ(r.error->data, "payload: larger than 10240 bytes");
}

// Ids of 1 and 64 characters pass; 0, 65, '/' or a non-string do not.
TEST(ParseRequestTest, IdRules) {
  const std::string id64(64, 'a');
  EXPECT_TRUE(ParseRequest(R"({"id":"a","method":"reboot"})", kDevice).ok());
  EXPECT_TRUE(ParseRequest(R"({"id":")" + id64 + R"(","method":"reboot"})", kDevice).ok());
  for (const std::string& bad : {std::string(R"("")"), "\"" + id64 + "a\"", std::string(R"("a/b")"),
                                 std::string(R"("a+b")"), std::string("17"), std::string("null")}) {
    const ParsedRequest r = ParseRequest(R"({"id":)" + bad + R"(,"method":"reboot"})", kDevice);
    EXPECT_EQ(CodeOf(r), -32600) << bad;
    EXPECT_EQ(r.id, "") << bad;
  }
  EXPECT_EQ(ParseRequest(R"({"method":"reboot"})", kDevice).error->data, "id: required");
}

// A key given twice is refused (at the top level and nested).
TEST(ParseRequestTest, RefusesDuplicateKeys) {
  EXPECT_EQ(ParseRequest(R"({"id":"a","method":"reboot","id":"b"})", kDevice).error->data,
            "payload: duplicate key");
  EXPECT_EQ(
      CodeOf(ParseRequest(
          R"({"id":"a","method":"updateDiscreteTimer","params":{"id":"t","id":"u"}})", kDevice)),
      -32600);
}

// A number that overflows a double (1e309) is refused, not turned into infinity.
TEST(ParseRequestTest, RefusesNonFiniteNumbers) {
  const ParsedRequest r = ParseRequest(
      R"({"id":"a","method":"updateDiscreteRegulator","params":{"id":"t","setpoint":1e309}})",
      kDevice);
  EXPECT_EQ(CodeOf(r), -32600);
  EXPECT_EQ(r.error->data, "payload: number out of range");
}

// 1000 nested arrays are refused during parsing; 32 levels are fine, 33 are not.
TEST(ParseRequestTest, RefusesDeepNesting) {
  const std::string deep = R"({"id":"a","method":"reboot","params":{"x":)" +
                           std::string(1000, '[') + std::string(1000, ']') + "}}";
  const ParsedRequest r = ParseRequest(deep, kDevice);
  EXPECT_EQ(CodeOf(r), -32600);
  EXPECT_EQ(r.error->data, "payload: nesting deeper than 32");

  auto nested = [](int levels) {  // `levels` containers in all, the root included
    return std::string(levels - 1, '[') + std::string(levels - 1, ']');
  };
  EXPECT_TRUE(ParseStrictJson("{\"a\":" + nested(32) + "}", {}).ok());
  EXPECT_FALSE(ParseStrictJson("{\"a\":" + nested(33) + "}", {}).ok());
}

// Bytes that are not UTF-8 are refused, inside strings and out.
TEST(ParseRequestTest, RefusesInvalidUtf8) {
  EXPECT_EQ(CodeOf(ParseRequest("{\"id\":\"a\",\"method\":\"reb\xC3\x28oot\"}", kDevice)), -32600);
  EXPECT_EQ(CodeOf(ParseRequest("{\"id\":\"a\",\"method\":\"\xFF\"}", kDevice)), -32600);
  EXPECT_EQ(CodeOf(ParseRequest("{\"id\":\"a\",\"method\":\"reboot\"}\xFF", kDevice)), -32600);
  EXPECT_EQ(CodeOf(ParseRequest(R"({"id":"a","method":"\ud800"})", kDevice)), -32600);
}

// deviceId, when present, must name the topic's device; the error echoes the id.
TEST(ParseRequestTest, DeviceIdMustMatchTopic) {
  EXPECT_TRUE(ParseRequest(R"({"id":"a","method":"reboot","deviceId":"dev-1"})", kDevice).ok());
  const ParsedRequest r =
      ParseRequest(R"({"id":"a","method":"reboot","deviceId":"dev-2"})", kDevice);
  EXPECT_EQ(CodeOf(r), -32600);
  EXPECT_EQ(r.id, "a");
  EXPECT_EQ(r.error->data, "deviceId: must equal the topic's device");
}

// Unknown top-level fields, a non-number timestamp and a non-string method are refused.
TEST(ParseRequestTest, RefusesBadEnvelopeFields) {
  EXPECT_EQ(ParseRequest(R"({"id":"a","method":"reboot","param":{}})", kDevice).error->data,
            "param: unknown field");
  EXPECT_EQ(ParseRequest(R"({"id":"a","method":"reboot","timestamp":"now"})", kDevice).error->data,
            "timestamp: must be a number");
  EXPECT_EQ(ParseRequest(R"({"id":"a","method":7})", kDevice).error->data,
            "method: must be a string");
  EXPECT_EQ(ParseRequest(R"({"id":"a"})", kDevice).error->data, "method: required");
}

// Unknown methods give -32601 with the name in the message.
TEST(ParseRequestTest, UnknownMethod) {
  const ParsedRequest r = ParseRequest(R"({"id":"a","method":"format"})", kDevice);
  EXPECT_EQ(CodeOf(r), -32601);
  EXPECT_EQ(r.error->message, "Unknown method: format");
  EXPECT_EQ(r.id, "a");
}

// Params of the wrong type or against the schema give -32602 naming the field.
TEST(ParseRequestTest, InvalidParams) {
  EXPECT_EQ(CodeOf(ParseRequest(R"({"id":"a","method":"reboot","params":null})", kDevice)), -32602);
  const ParsedRequest r = ParseRequest(
      R"({"id":"a","method":"updateDiscreteTimer","params":{"id":"t","startTime":1440}})", kDevice);
  EXPECT_EQ(CodeOf(r), -32602);
  EXPECT_EQ(r.error->data, "params.startTime: must be an integer 0-1439");
}

// A reply has an id and exactly one of result (an object) and error.
TEST(ParseResponseTest, Shapes) {
  auto ok = ParseResponse(R"({"id":"r1","result":{"success":true},"timestamp":5})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->id, "r1");
  EXPECT_FALSE(ok->is_error);
  auto err = ParseResponse(R"({"id":"r1","error":{"code":-32002,"message":"busy","data":[1]}})");
  ASSERT_TRUE(err.ok());
  EXPECT_TRUE(err->is_error);
  EXPECT_TRUE(ParseResponse(R"({"id":"r1","result":{},"deviceId":"d"})").ok());

  for (const char* bad :
       {R"({"id":"r1"})", R"({"id":"r1","result":{},"error":{"code":1,"message":"m"}})",
        R"({"result":{}})", R"({"id":"","result":{}})", R"({"id":"r1","result":5})",
        R"({"id":"r1","error":{"code":1.5,"message":"m"}})", R"({"id":"r1","error":{"code":1}})",
        R"({"id":"r1","result":{},"result":{}})", R"(["r1"])", "not json"}) {
    EXPECT_FALSE(ParseResponse(bad).ok()) << bad;
  }
}

// Topic parsing recognises the two RPC topics and nothing else.
TEST(RpcTopicTest, Parses) {
  RpcTopic t = ParseRpcTopic("users/u-1/devices/dev_2/rpc/request");
  EXPECT_EQ(t.kind, RpcTopicKind::kRequest);
  EXPECT_EQ(t.user_id, "u-1");
  EXPECT_EQ(t.device_id, "dev_2");
  EXPECT_EQ(ParseRpcTopic("users/u/devices/d/rpc/response").kind, RpcTopicKind::kResponse);
  for (const char* other :
       {"users/u/devices/d/telemetry", "users/u/devices/d/rpc/request/x", "users/u/devices/d/rpc",
        "users/u/devices/d/rpc/", "users/u/device/d/rpc/request", "Users/u/devices/d/rpc/request",
        "users/u/devices/d/RPC/request", "", "users/", "/users/u/devices/d/rpc/request"}) {
    EXPECT_EQ(ParseRpcTopic(other).kind, RpcTopicKind::kNone) << other;
  }
  for (const char* bad : {"users//devices/d/rpc/request", "users/u/devices//rpc/response",
                          "users/u.1/devices/d/rpc/request", "users/u/devices/d d/rpc/request"}) {
    EXPECT_EQ(ParseRpcTopic(bad).kind, RpcTopicKind::kMalformed) << bad;
  }
  EXPECT_EQ(ResponseTopic("u", "d"), "users/u/devices/d/rpc/response");
}

// Error payloads carry the id (or null), code, message, optional data and timestamp.
TEST(RpcErrorTest, Payload) {
  const auto with_id = nlohmann::json::parse(
      MakeErrorPayload("a", MakeError(RpcErrorCode::kInvalidParams, "params.x: bad"), 42));
  EXPECT_EQ(with_id["id"], "a");
  EXPECT_EQ(with_id["error"]["code"], -32602);
  EXPECT_EQ(with_id["error"]["message"], "Invalid parameters");
  EXPECT_EQ(with_id["error"]["data"], "params.x: bad");
  EXPECT_EQ(with_id["timestamp"], 42);
  const auto no_id =
      nlohmann::json::parse(MakeErrorPayload("", MakeError(RpcErrorCode::kTimeout), 1));
  EXPECT_TRUE(no_id["id"].is_null());
  EXPECT_FALSE(no_id["error"].contains("data"));
  EXPECT_EQ(no_id["error"]["message"], "Request timeout");
  // Invalid UTF-8 in an echoed method name does not throw.
  EXPECT_NO_THROW(MakeErrorPayload("a", UnknownMethodError("\xFF"), 1));
}

}  // namespace
}  // namespace iothub::rpc
