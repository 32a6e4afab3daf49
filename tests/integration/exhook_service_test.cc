// The real iot-hub binary over gRPC, through both service names, as EMQX calls it.
#include <gtest/gtest.h>
#include <httplib.h>

#include "support/exhook_client.h"
#include "support/hub_process.h"
#include "support/temp_dir.h"

namespace iothub::testing {
namespace {

class ExhookServiceTest : public ::testing::TestWithParam<ServiceVersion> {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<HubProcess>(HubOptions{.data_dir = dir_.path() / "data"});
    ASSERT_TRUE(hub_->WaitReady()) << hub_->Log();
    client_ = std::make_unique<ExhookClient>(hub_->grpc_target(), GetParam());
  }

  static pb::ClientInfo Client(const std::string& clientid) {
    pb::ClientInfo info;
    info.set_node("emqx@127.0.0.1");
    info.set_clientid(clientid);
    info.set_username("someone");
    info.set_peerhost("127.0.0.1");
    info.set_protocol("mqtt");
    info.set_anonymous(true);
    return info;
  }

  TempDir dir_;
  std::unique_ptr<HubProcess> hub_;
  std::unique_ptr<ExhookClient> client_;
};

// OnProviderLoaded returns exactly the hooks the hub uses, with RPC topic filters on
// message.publish, and the hub logs which broker loaded it.
TEST_P(ExhookServiceTest, ProviderLoadedReturnsTheHubsHooks) {
  pb::ProviderLoadedRequest request;
  request.mutable_broker()->set_version("5.3.0");
  request.mutable_broker()->set_sysdescr("EMQX");
  request.mutable_meta()->set_node("emqx@10.0.0.1");
  pb::LoadedResponse response;
  ASSERT_TRUE(client_->Loaded(request, &response).ok());

  std::map<std::string, std::vector<std::string>> hooks;
  for (const auto& hook : response.hooks()) {
    hooks[hook.name()] = {hook.topics().begin(), hook.topics().end()};
  }
  EXPECT_EQ(hooks.size(), 5u);
  for (const char* name : {"client.authenticate", "client.authorize", "client.connected",
                           "client.disconnected", "message.publish"}) {
    EXPECT_TRUE(hooks.contains(name)) << name;
  }
  // The RPC topics, and always the renewal requests (docs/certificates.md).
  EXPECT_EQ(hooks["message.publish"],
            (std::vector<std::string>{"users/+/devices/+/rpc/request",
                                      "users/+/devices/+/rpc/response", "devices/+/cert/renew"}));
  EXPECT_TRUE(hooks["client.authenticate"].empty());
  EXPECT_NE(hub_->Log().find("5.3.0"), std::string::npos);
  EXPECT_NE(hub_->Log().find("emqx@10.0.0.1"), std::string::npos);
}

// A connect / authenticate / authorize / publish sequence from a client the hub does
// not know: refused with STOP_AND_RETURN false, never IGNORE; the publish of a topic the
// hub does not handle passes unchanged.
TEST_P(ExhookServiceTest, UnknownClientIsRefusedAndForeignPublishPassesWhole) {
  pb::ClientAuthenticateRequest auth;
  *auth.mutable_clientinfo() = Client("stranger");
  auth.mutable_clientinfo()->set_password("secret");
  pb::ValuedResponse auth_response;
  ASSERT_TRUE(client_->Authenticate(auth, &auth_response).ok());
  EXPECT_EQ(auth_response.type(), pb::ValuedResponse::STOP_AND_RETURN);
  ASSERT_EQ(auth_response.value_case(), pb::ValuedResponse::kBoolResult);
  EXPECT_FALSE(auth_response.bool_result());

  pb::ClientAuthorizeRequest authz;
  *authz.mutable_clientinfo() = Client("stranger");
  authz.set_type(pb::ClientAuthorizeRequest::SUBSCRIBE);
  authz.set_topic("users/#");
  pb::ValuedResponse authz_response;
  ASSERT_TRUE(client_->Authorize(authz, &authz_response).ok());
  EXPECT_EQ(authz_response.type(), pb::ValuedResponse::STOP_AND_RETURN);
  ASSERT_EQ(authz_response.value_case(), pb::ValuedResponse::kBoolResult);
  EXPECT_FALSE(authz_response.bool_result());

  pb::MessagePublishRequest publish;
  pb::Message* message = publish.mutable_message();
  message->set_node("emqx@127.0.0.1");
  message->set_id("0005F0A1B2C3D4E5F60718293A4B5C6D");
  message->set_qos(1);
  message->set_from("stranger");
  message->set_topic("sensors/room-1");
  message->set_payload(std::string("\x00\x01binary", 8));
  message->set_timestamp(1700000000000);
  (*message->mutable_headers())["username"] = "someone";
  pb::ValuedResponse publish_response;
  ASSERT_TRUE(client_->Publish(publish, &publish_response).ok());
  // Not an RPC topic: passes unchanged, answered IGNORE (EMQX keeps the message as is).
  EXPECT_EQ(publish_response.type(), pb::ValuedResponse::IGNORE);
  EXPECT_EQ(publish_response.value_case(), pb::ValuedResponse::VALUE_NOT_SET);

  pb::ClientDisconnectedRequest disconnected;
  *disconnected.mutable_clientinfo() = Client("stranger");
  disconnected.set_reason("normal");
  EXPECT_TRUE(client_->Disconnected(disconnected).ok());
}

// Every one of the 21 rpcs answers OK on both service names, including the hooks the
// hub does not register (an empty request is valid protobuf).
TEST_P(ExhookServiceTest, AllTwentyOneRpcsAnswer) {
  const std::vector<std::string> rpcs = {
      "OnProviderLoaded",      "OnProviderUnloaded",  "OnClientConnect",
      "OnClientConnack",       "OnClientConnected",   "OnClientDisconnected",
      "OnClientAuthenticate",  "OnClientAuthorize",   "OnClientSubscribe",
      "OnClientUnsubscribe",   "OnSessionCreated",    "OnSessionSubscribed",
      "OnSessionUnsubscribed", "OnSessionResumed",    "OnSessionDiscarded",
      "OnSessionTakenover",    "OnSessionTerminated", "OnMessageDelivered",
      "OnMessageDropped",      "OnMessageAcked"};
  for (const auto& rpc : rpcs) {
    std::string reply;
    EXPECT_TRUE(client_->RawCall(rpc, "", &reply).ok()) << rpc;
  }
  // message.publish without a message cannot be answered whole: a clear gRPC error.
  std::string reply;
  const grpc::Status status = client_->RawCall("OnMessagePublish", "", &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("message"), std::string::npos);
}

// Authenticate with missing clientinfo is refused, not an error and not an admission.
TEST_P(ExhookServiceTest, EmptyAuthenticateIsRefused) {
  pb::ValuedResponse response;
  ASSERT_TRUE(client_->Authenticate(pb::ClientAuthenticateRequest(), &response).ok());
  EXPECT_EQ(response.type(), pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_FALSE(response.bool_result());
}

// A request over the configured size limit gets RESOURCE_EXHAUSTED and the hub stays up.
TEST_P(ExhookServiceTest, OversizedRequestIsRejectedAndHubStaysUp) {
  pb::MessagePublishRequest publish;
  publish.mutable_message()->set_topic("big");
  publish.mutable_message()->set_payload(std::string(3 * 1024 * 1024, 'x'));
  pb::ValuedResponse response;
  EXPECT_EQ(client_->Publish(publish, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(client_->Authenticate(pb::ClientAuthenticateRequest(), &response).ok());
}

// A string field with invalid UTF-8 (as EMQX would never send, but a broken peer might)
// fails to parse with a gRPC error; the hub stays up and answers the next call.
TEST_P(ExhookServiceTest, NonUtf8StringFieldIsAnErrorNotACrash) {
  // ClientAuthenticateRequest{clientinfo{clientid: "\xff\xfe"}} encoded by hand.
  const std::string clientinfo = std::string("\x12\x02\xff\xfe", 4);
  const std::string request =
      std::string("\x0a", 1) + static_cast<char>(clientinfo.size()) + clientinfo;
  std::string reply;
  const grpc::Status status = client_->RawCall("OnClientAuthenticate", request, &reply);
  if (status.ok()) {
    // If the library accepted it, the answer must still be a refusal.
    pb::ValuedResponse response;
    ASSERT_TRUE(response.ParseFromString(reply));
    EXPECT_FALSE(response.bool_result());
  } else {
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }
  pb::ValuedResponse response;
  EXPECT_TRUE(client_->Authenticate(pb::ClientAuthenticateRequest(), &response).ok());
}

INSTANTIATE_TEST_SUITE_P(BothServiceNames, ExhookServiceTest,
                         ::testing::Values(ServiceVersion::kV2, ServiceVersion::kV3),
                         [](const auto& info) {
                           return info.param == ServiceVersion::kV2 ? "v2" : "v3";
                         });

}  // namespace
}  // namespace iothub::testing
