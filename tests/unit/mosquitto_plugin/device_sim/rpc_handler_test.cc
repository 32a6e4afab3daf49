// Tests of device-sim's RPC handling: the 8 methods, partial updates and error codes.
#include "rpc_handler.h"

#include <gtest/gtest.h>

#include "topics.h"

namespace iothub::device_sim {
namespace {

using nlohmann::json;

class RpcHandlerTest : public ::testing::Test {
 protected:
  json Call(const json& request) {
    auto response = HandleRpc(request.dump(), "dev-1", state_);
    EXPECT_TRUE(response.has_value());
    return response.value_or(json());
  }
  DeviceState state_{"dev-1"};
};

TEST_F(RpcHandlerTest, GetSensors) {
  json r = Call({{"id", "r1"}, {"method", "getSensors"}});
  EXPECT_EQ(r["id"], "r1");
  for (const char* key : {"temperature", "humidity", "pressure", "timestamp"}) {
    EXPECT_TRUE(r["result"].contains(key)) << key;
  }
  EXPECT_TRUE(r.contains("timestamp"));
  EXPECT_FALSE(r.contains("error"));
}

TEST_F(RpcHandlerTest, GetDeviceStateAndReboot) {
  json r = Call({{"id", "r1"},
                 {"method", "getDeviceState"},
                 {"params", json::object()},
                 {"deviceId", "dev-1"}});
  EXPECT_EQ(r["result"]["status"], "online");
  EXPECT_TRUE(r["result"]["uptime"].is_number());
  EXPECT_EQ(r["result"]["timers"][0]["id"], "timer-1");
  EXPECT_EQ(r["result"]["regulators"][0]["id"], "regulator-1");
  EXPECT_EQ(r["result"]["irrigators"][0]["id"], "irrigator-1");
  EXPECT_TRUE(r["result"]["sensors"].contains("temperature"));
  json reboot = Call({{"id", "r2"}, {"method", "reboot"}});
  EXPECT_EQ(reboot["result"]["success"], true);
  EXPECT_TRUE(reboot["result"]["message"].is_string());
  EXPECT_TRUE(reboot["result"]["estimatedTime"].is_number());
}

TEST_F(RpcHandlerTest, PartialUpdatesApplyAndPersist) {
  json r = Call({{"id", "u1"},
                 {"method", "updateDiscreteTimer"},
                 {"params", {{"id", "timer-1"}, {"enabled", false}, {"startTime", 10}}}});
  ASSERT_FALSE(r.contains("error")) << r.dump();
  EXPECT_EQ(r["result"]["enabled"], false);
  EXPECT_EQ(r["result"]["startTime"], 10);
  EXPECT_EQ(r["result"]["name"], "Pump timer");  // untouched
  json state = Call({{"id", "s"}, {"method", "getDeviceState"}});
  EXPECT_EQ(state["result"]["timers"][0]["startTime"], 10);

  r = Call({{"id", "u2"},
            {"method", "updateAnalogRegulator"},
            {"params",
             {{"id", "regulator-2"},
              {"type", "digital"},
              {"Kp", 2.5},
              {"alarm", {{"upperLimit", 80}, {"lowerLimit", 20}}}}}});
  ASSERT_FALSE(r.contains("error")) << r.dump();
  EXPECT_EQ(r["result"]["type"], "digital");
  EXPECT_EQ(r["result"]["kind"], "analog");
  r = Call({{"id", "u3"},
            {"method", "updateIrrigator"},
            {"params",
             {{"id", "irrigator-2"},
              {"mode", "preset"},
              {"preset", json::array({{{"startTime", 1}, {"endTime", 2}}})}}}});
  ASSERT_FALSE(r.contains("error")) << r.dump();
  EXPECT_EQ(r["result"]["preset"][0]["endTime"], 2);
}

TEST_F(RpcHandlerTest, Errors) {
  auto code = [&](const json& request) { return Call(request)["error"]["code"]; };
  EXPECT_EQ(code({{"id", "e1"}, {"method", "selfDestruct"}}), -32601);
  EXPECT_EQ(Call({{"id", "e1"}, {"method", "selfDestruct"}})["error"]["message"],
            "Unknown method: selfDestruct");
  EXPECT_EQ(
      code({{"id", "e2"}, {"method", "updateDiscreteTimer"}, {"params", {{"id", "timer-9"}}}}),
      -32002);
  EXPECT_EQ(code({{"id", "e3"},
                  {"method", "updateDiscreteTimer"},
                  {"params", {{"id", "timer-1"}, {"colour", "red"}}}}),
            -32602);
  EXPECT_EQ(code({{"id", "e4"},
                  {"method", "updateDiscreteTimer"},
                  {"params", {{"id", "timer-1"}, {"startTime", 1440}}}}),
            -32602);
  EXPECT_EQ(code({{"id", "e5"},
                  {"method", "updateDiscreteRegulator"},
                  {"params", {{"id", "regulator-1"}, {"hysteresis", 11}}}}),
            -32602);
  EXPECT_EQ(code({{"id", "e6"}, {"method", "updateAnalogTimer"}, {"params", {{"id", "timer-1"}}}}),
            -32002);  // timer-1 is discrete
  EXPECT_EQ(code({{"id", "e7"}, {"method", "updateIrrigator"}, {"params", {{"mode", "on"}}}}),
            -32602);  // no id
  EXPECT_EQ(code({{"id", "e8"}, {"method", "getSensors"}, {"deviceId", "other"}}), -32602);
  EXPECT_EQ(code({{"id", "e9"}, {"method", "getSensors"}, {"params", {{"x", 1}}}}), -32602);
}

TEST_F(RpcHandlerTest, UnanswerableRequests) {
  EXPECT_FALSE(HandleRpc("not json", "dev-1", state_).has_value());
  EXPECT_FALSE(HandleRpc(R"({"method":"getSensors"})", "dev-1", state_).has_value());
  EXPECT_FALSE(HandleRpc(R"({"id":"has space","method":"getSensors"})", "dev-1", state_));
  EXPECT_FALSE(HandleRpc(R"({"id":""})", "dev-1", state_).has_value());
}

TEST(TopicsTest, ParseRequestTopic) {
  auto parsed = ParseRequestTopic("users/u-1/devices/dev-1/rpc/request");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->first, "u-1");
  EXPECT_EQ(parsed->second, "dev-1");
  EXPECT_FALSE(ParseRequestTopic("users/u-1/devices/dev-1/rpc/response"));
  EXPECT_FALSE(ParseRequestTopic("users//devices/dev-1/rpc/request"));
  EXPECT_FALSE(ParseRequestTopic("users/u/devices/a/b/rpc/request"));
  EXPECT_EQ(DeviceTopic("u", "d", "status"), "users/u/devices/d/status");
}

}  // namespace
}  // namespace iothub::device_sim
