// /api/mqtt/device/command[/no-response] with a fake CommandSender that records calls
// (the broker round trip is the integration tests' job): who may command which device,
// validation, and how sender outcomes map to HTTP.
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using CommandsRoutesTest = ApiTest;

// The owner commands their bound device; the sender gets the validated request.
TEST_F(CommandsRoutesTest, OwnerSendsCommand) {
  MakeDevice("dev-1", alice_.id);
  Answer answer = Post("/api/mqtt/device/command", Alice(),
                       {{"userId", alice_.id},
                        {"deviceId", "dev-1"},
                        {"method", "getSensors"},
                        {"params", json::object()},
                        {"timeout", 2000}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["id"], "rpc-1");
  EXPECT_EQ(answer.body["result"]["echo"], "getSensors");
  EXPECT_EQ(answer.body["metadata"]["executionTime"], 12);
  EXPECT_TRUE(answer.body["metadata"]["sentAt"].is_string());
  EXPECT_TRUE(answer.body["metadata"]["receivedAt"].is_string());
  auto calls = sender_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].second);
  EXPECT_EQ(calls[0].first.user_id, alice_.id);
  EXPECT_EQ(calls[0].first.device_id, "dev-1");
  EXPECT_EQ(calls[0].first.timeout_ms, 2000);
  ASSERT_TRUE(calls[0].first.params.has_value());
}

// no-response answers {success, message, metadata} and does not wait.
TEST_F(CommandsRoutesTest, NoResponse) {
  MakeDevice("dev-1", alice_.id);
  Answer answer = Post("/api/mqtt/device/command/no-response", AdminToken(),
                       {{"userId", alice_.id}, {"deviceId", "dev-1"}, {"method", "reboot"}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["success"], true);
  EXPECT_TRUE(answer.body["message"].is_string());
  EXPECT_TRUE(answer.body["metadata"]["receivedAt"].is_null());
  ASSERT_EQ(sender_.calls().size(), 1u);
  EXPECT_FALSE(sender_.calls()[0].second);
  // `timeout` belongs to the waiting command only.
  EXPECT_EQ(
      Post("/api/mqtt/device/command/no-response", AdminToken(),
           {{"userId", alice_.id}, {"deviceId", "dev-1"}, {"method", "reboot"}, {"timeout", 2000}})
          .status,
      400);
}

// Unbound device: 409 with a clear message, and the sender is never called.
TEST_F(CommandsRoutesTest, UnboundDeviceIs409) {
  MakeDevice("dev-free");
  Answer answer = Post("/api/mqtt/device/command", AdminToken(),
                       {{"userId", alice_.id}, {"deviceId", "dev-free"}, {"method", "reboot"}});
  EXPECT_EQ(answer.status, 409);
  EXPECT_NE(answer.body["error"]["message"].get<std::string>().find("unbound"), std::string::npos);
  EXPECT_TRUE(sender_.calls().empty());
}

// Who may command: not another user's device, not in someone else's name.
TEST_F(CommandsRoutesTest, Authorization) {
  MakeDevice("dev-a", alice_.id);
  EXPECT_EQ(Post("/api/mqtt/device/command", Bob(),
                 {{"userId", alice_.id}, {"deviceId", "dev-a"}, {"method", "reboot"}})
                .status,
            403);
  EXPECT_EQ(Post("/api/mqtt/device/command", Bob(),
                 {{"userId", bob_.id}, {"deviceId", "dev-a"}, {"method", "reboot"}})
                .status,
            403);
  EXPECT_EQ(Post("/api/mqtt/device/command", AdminToken(),
                 {{"userId", bob_.id}, {"deviceId", "dev-a"}, {"method", "reboot"}})
                .status,
            409);
  EXPECT_EQ(Post("/api/mqtt/device/command", AdminToken(),
                 {{"userId", bob_.id}, {"deviceId", "ghost"}, {"method", "reboot"}})
                .status,
            404);
  EXPECT_TRUE(sender_.calls().empty());
}

// Bad bodies: wrong types, timeout out of range, unknown fields, bad ids.
TEST_F(CommandsRoutesTest, Validation) {
  MakeDevice("dev-1", alice_.id);
  const json base{{"userId", alice_.id}, {"deviceId", "dev-1"}, {"method", "reboot"}};
  auto with = [&](const char* key, json value) {
    json body = base;
    body[key] = std::move(value);
    return body;
  };
  for (const json& body : {with("timeout", 999), with("timeout", 30001), with("timeout", "5000"),
                           with("timeout", 1500.5), with("params", json::array()),
                           with("method", 7), with("deviceId", "../x"), with("extra", 1)}) {
    Answer answer = Post("/api/mqtt/device/command", Alice(), body);
    EXPECT_EQ(answer.status, 400) << body.dump();
    EXPECT_FALSE(answer.body["error"]["details"].empty()) << body.dump();
  }
  EXPECT_TRUE(sender_.calls().empty());
}

// Sender errors map to 400 (with details), 408, 503, 404 and 409.
TEST_F(CommandsRoutesTest, SenderOutcomes) {
  MakeDevice("dev-1", alice_.id);
  const json body{{"userId", alice_.id},
                  {"deviceId", "dev-1"},
                  {"method", "updateIrrigator"},
                  {"params", {{"id", "i1"}, {"startTime", 5000}}}};
  CommandOutcome invalid{.status = absl::InvalidArgumentError("Invalid parameters"),
                         .reply = {},
                         .problems = {{"params.startTime", "must be 0-1439"}}};
  sender_.Answer(invalid);
  Answer answer = Post("/api/mqtt/device/command", Alice(), body);
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["error"]["details"][0]["field"], "params.startTime");
  const std::pair<absl::Status, int> cases[] = {
      {absl::DeadlineExceededError("Request timeout"), 408},
      {absl::UnavailableError("broker down"), 503},
      {absl::NotFoundError("device unknown"), 404},
      {absl::FailedPreconditionError("device not bound"), 409}};
  for (const auto& [status, http_status] : cases) {
    sender_.Answer({.status = status, .reply = {}, .problems = {}});
    EXPECT_EQ(Post("/api/mqtt/device/command", Alice(), body).status, http_status) << status;
  }
}

// A device error is a completed RPC: 200 with `error`.
TEST_F(CommandsRoutesTest, DeviceErrorIs200) {
  MakeDevice("dev-1", alice_.id);
  CommandOutcome outcome;
  outcome.reply.id = "rpc-9";
  outcome.reply.error = json{{"code", -32601}, {"message", "Unknown method: x"}};
  sender_.Answer(outcome);
  Answer answer = Post("/api/mqtt/device/command", Alice(),
                       {{"userId", alice_.id}, {"deviceId", "dev-1"}, {"method", "x"}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["error"]["code"], -32601);
  EXPECT_FALSE(answer.body.contains("result"));
}

// Without a sender the endpoints are 503 (after all checks pass).
TEST_F(CommandsRoutesTest, NoSenderIs503) {
  Start({"127.0.0.1"}, [](ApiContext& c) { c.command_sender = nullptr; });
  MakeDevice("dev-1", alice_.id);
  Answer answer = Post("/api/mqtt/device/command", Alice(),
                       {{"userId", alice_.id}, {"deviceId", "dev-1"}, {"method", "reboot"}});
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(Code(answer), "unavailable");
}

}  // namespace
}  // namespace iothub::http::testing
