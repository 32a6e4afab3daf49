// CommandService end to end: BrokerLink to a real Mosquitto broker, a fake device
// answering (or not) on the response topic.
#include "mqtt/command_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/broker_link.h"
#include "mqtt_test_env.h"
#include "rpc/rpc_error.h"
#include "rpc/rpc_topic.h"

namespace iothub::mqtt {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Broker;
using testing::FakeDevice;
using testing::TestPki;
using testing::WaitUntil;

long long Ms(std::chrono::steady_clock::duration d) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

CommandRequest Request(std::string method = "getDeviceState", json params = json()) {
  return CommandRequest{"user-1", "device-1", std::move(method), std::move(params),
                        kDefaultCommandTimeout};
}

class CommandServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(testing::kMosquittoPath, X_OK) != 0) GTEST_SKIP() << "mosquitto not installed";
    ASSERT_TRUE(TestPki().ok) << "openssl could not make the test certificates";
    ASSERT_TRUE(broker_.Start()) << broker_.log();
    BrokerLinkOptions options;
    options.port = broker_.port();
    options.tls = BrokerTls{TestPki().ca, TestPki().hub_cert, TestPki().hub_key};
    auto link = BrokerLink::Create(options, metrics_);
    ASSERT_TRUE(link.ok()) << link.status();
    link_ = std::move(*link);
    service_ = std::make_unique<CommandService>(*link_, clock_, metrics_);
    link_->Start([this](std::string_view topic, std::string_view payload) {
      service_->OnMessage(topic, payload);
    });
    ASSERT_TRUE(WaitUntil([&] { return link_->connected(); }, 5s)) << broker_.log();
  }

  void TearDown() override {
    if (link_ != nullptr) link_->Stop();  // before the service its handler calls
  }

  std::unique_ptr<FakeDevice> Device(FakeDevice::Mode mode = FakeDevice::Mode::kAnswer) {
    auto device = std::make_unique<FakeDevice>(broker_.port(), mode);
    EXPECT_TRUE(device->WaitReady()) << broker_.log();
    return device;
  }

  std::uint64_t Outcome(const char* outcome) {
    return metrics_.GetCounter("iothub_mqtt_commands_total", "", {{"outcome", outcome}}).value();
  }
  std::uint64_t Ignored(const char* reason) {
    return metrics_.GetCounter("iothub_mqtt_replies_ignored_total", "", {{"reason", reason}})
        .value();
  }

  iothub::testing::TempDir dir_;
  Broker broker_{dir_};
  Metrics metrics_;
  SystemClock clock_;
  std::unique_ptr<BrokerLink> link_;
  std::unique_ptr<CommandService> service_;
};

// A command reaches the device as a JSON-RPC request on its request topic, and the
// device's result comes back with the request id and the timing metadata.
TEST_F(CommandServiceTest, RoundTripReturnsResultWithMetadata) {
  auto device = Device();
  const json params = {{"id", "timer-1"}, {"startTime", 60}, {"enabled", true}};
  CommandRequest request = Request("updateDiscreteTimer", params);
  const UnixMillis before = clock_.NowUnixMillis();
  const auto start = std::chrono::steady_clock::now();
  auto result = service_->SendCommand(request, ReplyMode::kWait);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << result.status();
  std::printf(
      "[ info     ] round trip %lld us (execution_time %lld ms)\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()),
      static_cast<long long>(result->execution_time_ms));

  EXPECT_TRUE(result->replied);
  EXPECT_EQ(result->id.size(), 36u);
  EXPECT_TRUE(result->error.is_null());
  EXPECT_EQ(result->result["method"], "updateDiscreteTimer");
  EXPECT_EQ(result->result["params"], params);
  EXPECT_EQ(result->result["deviceId"], "device-1");
  EXPECT_GE(result->sent_at, before);
  EXPECT_GE(result->received_at, result->sent_at);
  EXPECT_GE(result->execution_time_ms, 0);
  EXPECT_LE(result->execution_time_ms, Ms(took));

  const auto requests = device->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].first, "users/user-1/devices/device-1/rpc/request");
  const json sent = json::parse(requests[0].second);
  EXPECT_EQ(sent["id"], result->id);
  EXPECT_EQ(sent["method"], "updateDiscreteTimer");
  EXPECT_EQ(sent["params"], params);
  EXPECT_EQ(sent["deviceId"], "device-1");
  EXPECT_EQ(sent["timestamp"], result->sent_at);
  EXPECT_EQ(sent.size(), 5u);

  EXPECT_EQ(Outcome("result"), 1u);
  EXPECT_EQ(metrics_.GetHistogram("iothub_mqtt_command_round_trip_seconds", "").count(), 1u);
  EXPECT_EQ(service_->waiting(), 0u);
}

// Absent params are left out of the request rather than sent as null.
TEST_F(CommandServiceTest, AbsentParamsAreOmitted) {
  auto device = Device();
  ASSERT_TRUE(service_->SendCommand(Request(), ReplyMode::kWait).ok());
  const json sent = json::parse(device->requests().at(0).second);
  EXPECT_FALSE(sent.contains("params"));
}

// An error reply (the device's, or the hub pipeline's) is a result carrying `error`.
TEST_F(CommandServiceTest, ErrorReplyIsReturnedAsError) {
  auto device = Device(FakeDevice::Mode::kError);
  auto result = service_->SendCommand(Request(), ReplyMode::kWait);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->result.is_null());
  EXPECT_EQ(result->error["code"], -32002);
  EXPECT_EQ(result->error["message"], "boom");
  EXPECT_EQ(Outcome("error"), 1u);
}

// No reply: DeadlineExceeded close to the timeout, the waiter is gone, and a reply
// that arrives later is ignored and counted.
TEST_F(CommandServiceTest, TimeoutIsDeadlineExceeded) {
  auto device = Device(FakeDevice::Mode::kSilent);
  CommandRequest request = Request();
  request.timeout = kMinCommandTimeout;
  const auto start = std::chrono::steady_clock::now();
  auto result = service_->SendCommand(request, ReplyMode::kWait);
  const auto took = std::chrono::steady_clock::now() - start;
  std::printf(
      "[ info     ] timeout of %lld ms returned after %lld ms (overshoot %lld us)\n",
      static_cast<long long>(request.timeout.count()), Ms(took),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(took - request.timeout).count()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(result.status())) << result.status();
  EXPECT_GE(took, request.timeout);
  EXPECT_LT(took, request.timeout + 1000ms);
  EXPECT_EQ(service_->waiting(), 0u);
  EXPECT_EQ(Outcome("timeout"), 1u);

  ASSERT_EQ(device->request_count(), 1u);
  const auto [topic, payload] = device->requests()[0];
  const std::string id = json::parse(payload)["id"];
  ASSERT_TRUE(device->Publish(FakeDevice::ResponseTopicOf(topic),
                              json{{"id", id}, {"result", json::object()}}.dump()));
  EXPECT_TRUE(WaitUntil([&] { return Ignored("unknown_id") == 1; }, 5s));
}

// The RPC pipeline's -32000 timeout reply, published through PublishTimeout, is the
// answer a still-waiting command gets.
TEST_F(CommandServiceTest, PipelineTimeoutNoticeAnswersTheWaitingCommand) {
  auto device = Device(FakeDevice::Mode::kSilent);
  auto pending = std::async(std::launch::async,
                            [&] { return service_->SendCommand(Request(), ReplyMode::kWait); });
  ASSERT_TRUE(WaitUntil([&] { return device->request_count() == 1; }, 5s));
  const std::string id = json::parse(device->requests()[0].second)["id"];
  rpc::TimeoutNotice notice;
  notice.topic = rpc::ResponseTopic("user-1", "device-1");
  notice.payload = rpc::MakeErrorPayload(id, rpc::MakeError(rpc::RpcErrorCode::kTimeout),
                                         clock_.NowUnixMillis());
  notice.device_id = "device-1";
  notice.request_id = id;
  ASSERT_TRUE(service_->PublishTimeout(notice).ok());
  auto result = pending.get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->id, id);
  EXPECT_EQ(result->error["code"], -32000);
  EXPECT_EQ(result->error["message"], "Request timeout");
  EXPECT_EQ(metrics_.GetCounter("iothub_mqtt_timeout_notices_total", "").value(), 1u);
}

// With the broker down, commands fail at once with Unavailable and nothing waits.
TEST_F(CommandServiceTest, BrokerDownIsUnavailable) {
  broker_.Stop();
  ASSERT_TRUE(WaitUntil([&] { return !link_->connected(); }, 3s));
  const auto start = std::chrono::steady_clock::now();
  auto waited = service_->SendCommand(Request(), ReplyMode::kWait);
  auto sent = service_->SendCommand(Request(), ReplyMode::kNoWait);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_TRUE(absl::IsUnavailable(waited.status())) << waited.status();
  EXPECT_TRUE(absl::IsUnavailable(sent.status())) << sent.status();
  EXPECT_TRUE(absl::IsUnavailable(service_->PublishTimeout(rpc::TimeoutNotice{})));
  EXPECT_EQ(service_->waiting(), 0u);
  EXPECT_EQ(Outcome("unavailable"), 2u);
}

// After a broker restart the link reconnects and commands work again.
TEST_F(CommandServiceTest, CommandsWorkAgainAfterBrokerRestart) {
  {
    auto device = Device();
    ASSERT_TRUE(service_->SendCommand(Request(), ReplyMode::kWait).ok());
  }
  broker_.Stop();
  ASSERT_TRUE(WaitUntil([&] { return !link_->connected(); }, 3s));
  ASSERT_TRUE(broker_.Start()) << broker_.log();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return link_->connected(); }, 5s)) << broker_.log();
  std::printf("[ info     ] link back %lld ms after the restart\n",
              Ms(std::chrono::steady_clock::now() - start));
  auto device = Device();
  auto result = service_->SendCommand(Request(), ReplyMode::kWait);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->result["method"], "getDeviceState");
}

// Invalid ids, methods, params or timeouts are InvalidArgument and publish nothing.
TEST_F(CommandServiceTest, InvalidCommandsPublishNothing) {
  auto device = Device();
  std::vector<CommandRequest> bad;
  bad.push_back(Request());
  bad.back().user_id = "user/1";
  bad.push_back(Request());
  bad.back().device_id = "+";
  bad.push_back(Request("rebootNow"));
  bad.push_back(Request("reboot", {{"force", true}}));
  bad.push_back(Request("updateAnalogTimer", {{"id", "a"}, {"startTime", 2000}}));
  bad.push_back(Request("updateIrrigator", {{"id", std::string(20000, 'x')}}));  // > 10 KB
  bad.push_back(Request());
  bad.back().timeout = 500ms;
  for (const CommandRequest& request : bad) {
    for (ReplyMode mode : {ReplyMode::kWait, ReplyMode::kNoWait}) {
      auto result = service_->SendCommand(request, mode);
      EXPECT_TRUE(absl::IsInvalidArgument(result.status()))
          << request.user_id << " " << request.device_id << " " << request.method << ": "
          << result.status();
    }
  }
  EXPECT_EQ(Outcome("invalid"), 2 * bad.size());
  // A valid command after them is the only request the device ever sees.
  ASSERT_TRUE(service_->SendCommand(Request(), ReplyMode::kWait).ok());
  EXPECT_EQ(device->request_count(), 1u);
}

// Eight threads sending at once each get the reply to their own command.
TEST_F(CommandServiceTest, ConcurrentCommandsGetTheirOwnReplies) {
  auto device = Device();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::vector<std::thread> threads;
  std::atomic<int> matched{0};
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string tag = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto result =
            service_->SendCommand(Request("updateIrrigator", {{"id", tag}}), ReplyMode::kWait);
        if (!result.ok()) {
          ++failed;
          std::printf("thread %d: %s\n", t, result.status().ToString().c_str());
        } else if (result->result["params"]["id"] == tag) {
          ++matched;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(matched.load(), kThreads * kPerThread);
  EXPECT_EQ(device->request_count(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(service_->waiting(), 0u);
  EXPECT_EQ(Ignored("unknown_id"), 0u);
}

// The no-response variant publishes and returns at once with the id and sentAt.
TEST_F(CommandServiceTest, NoWaitSendsAndReturns) {
  auto device = Device(FakeDevice::Mode::kSilent);
  auto result = service_->SendCommand(Request("reboot"), ReplyMode::kNoWait);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replied);
  EXPECT_GT(result->sent_at, 0);
  EXPECT_EQ(service_->waiting(), 0u);
  ASSERT_TRUE(WaitUntil([&] { return device->request_count() == 1; }, 5s));
  const json sent = json::parse(device->requests()[0].second);
  EXPECT_EQ(sent["id"], result->id);
  EXPECT_EQ(sent["method"], "reboot");
  EXPECT_EQ(Outcome("sent"), 1u);
}

// Replies with an unknown id, or that are not JSON-RPC at all, are ignored and counted;
// the real reply still gets through.
TEST_F(CommandServiceTest, UnknownAndMalformedRepliesAreIgnored) {
  auto device = Device(FakeDevice::Mode::kUnknownFirst);
  auto result = service_->SendCommand(Request(), ReplyMode::kWait);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->result["method"], "getDeviceState");
  EXPECT_TRUE(WaitUntil([&] { return Ignored("unknown_id") == 1; }, 5s));
  EXPECT_TRUE(WaitUntil([&] { return Ignored("malformed") == 1; }, 5s));
}

// A reply with the right id on another device's topic does not answer the command.
TEST_F(CommandServiceTest, ReplyOnAnotherDevicesTopicIsIgnored) {
  auto device = Device(FakeDevice::Mode::kSilent);
  CommandRequest request = Request();
  request.timeout = kMinCommandTimeout;
  auto pending = std::async(std::launch::async,
                            [&] { return service_->SendCommand(request, ReplyMode::kWait); });
  ASSERT_TRUE(WaitUntil([&] { return device->request_count() == 1; }, 5s));
  const std::string id = json::parse(device->requests()[0].second)["id"];
  ASSERT_TRUE(device->Publish(rpc::ResponseTopic("user-1", "device-2"),
                              json{{"id", id}, {"result", json::object()}}.dump()));
  EXPECT_TRUE(absl::IsDeadlineExceeded(pending.get().status()));
  EXPECT_EQ(Ignored("unknown_id"), 1u);
}

}  // namespace
}  // namespace iothub::mqtt
