// Tests of the pure translation: ClientFacts/ClientInfo, ACL routing, answer verdicts,
// publish messages and applying the hub's answer to them.
#include <gtest/gtest.h>
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "absl/status/status.h"
#include "mosquitto_plugin/client_facts.h"
#include "mosquitto_plugin/hook_verdicts.h"
#include "mosquitto_plugin/publish_translation.h"

namespace iothub::mosquitto_plugin {
namespace {

namespace pb = emqx::exhook::v2;

ConnectInput PasswordClient() {
  ConnectInput input;
  input.node = "mosquitto@host";
  input.clientid = "c1";
  input.username = "alice";
  input.peerhost = "127.0.0.1";
  input.sockport = 1883;
  return input;
}

TEST(ClientFactsTest, PasswordClientKeepsConnectUsername) {
  auto facts = FactsAtConnect(PasswordClient());
  ASSERT_TRUE(facts.ok());
  pb::ClientInfo info = ToClientInfo(*facts, "s3cret");
  EXPECT_EQ(info.node(), "mosquitto@host");
  EXPECT_EQ(info.clientid(), "c1");
  EXPECT_EQ(info.username(), "alice");
  EXPECT_EQ(info.password(), "s3cret");
  EXPECT_EQ(info.peerhost(), "127.0.0.1");
  EXPECT_EQ(info.sockport(), 1883u);
  EXPECT_EQ(info.protocol(), "mqtt");
  EXPECT_FALSE(info.is_superuser());
  EXPECT_TRUE(info.anonymous());
  EXPECT_EQ(info.cn(), "");
  EXPECT_EQ(info.dn(), "");
  EXPECT_EQ(ToClientInfo(*facts).password(), "");
}

TEST(ClientFactsTest, CertificateReplacesConnectUsername) {
  ConnectInput input = PasswordClient();
  input.cert = CertIdentity{"TUlJQg==", "device-001", "CN=device-001,O=X"};
  auto facts = FactsAtConnect(input);
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->username, "TUlJQg==");
  EXPECT_EQ(facts->cn, "device-001");
  EXPECT_EQ(facts->dn, "CN=device-001,O=X");
}

TEST(ClientFactsTest, NoUsernameGivesEmptyUsername) {
  ConnectInput input = PasswordClient();
  input.username.reset();
  auto facts = FactsAtConnect(input);
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->username, "");
}

TEST(ClientFactsTest, NonUtf8UsernameIsRefused) {
  ConnectInput input = PasswordClient();
  input.username = std::string("bad\xFF", 4);
  EXPECT_FALSE(FactsAtConnect(input).ok());
}

TEST(Utf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("M\xC3\xBCnchen \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));              // stray continuation
  EXPECT_FALSE(IsValidUtf8(std::string("a\xFF", 2)));
}

TEST(AclRouteTest, MapsMosquittoAccess) {
  EXPECT_EQ(RouteAclAccess(MOSQ_ACL_WRITE), AclRoute::kAskPublish);
  EXPECT_EQ(RouteAclAccess(MOSQ_ACL_SUBSCRIBE), AclRoute::kAskSubscribe);
  EXPECT_EQ(RouteAclAccess(MOSQ_ACL_READ), AclRoute::kAllowWithoutCall);
  EXPECT_EQ(RouteAclAccess(MOSQ_ACL_UNSUBSCRIBE), AclRoute::kAllowWithoutCall);
  EXPECT_EQ(RouteAclAccess(0x40), AclRoute::kDeny);
  EXPECT_EQ(AuthorizeTypeOf(AclRoute::kAskPublish), pb::ClientAuthorizeRequest::PUBLISH);
  EXPECT_EQ(AuthorizeTypeOf(AclRoute::kAskSubscribe), pb::ClientAuthorizeRequest::SUBSCRIBE);
}

pb::ValuedResponse BoolAnswer(pb::ValuedResponse::ResponsedType type, bool value) {
  pb::ValuedResponse answer;
  answer.set_type(type);
  answer.set_bool_result(value);
  return answer;
}

TEST(AnswerAdmitsTest, OnlyTrueWithContinueOrStopAdmits) {
  EXPECT_TRUE(AnswerAdmits(BoolAnswer(pb::ValuedResponse::STOP_AND_RETURN, true)));
  EXPECT_TRUE(AnswerAdmits(BoolAnswer(pb::ValuedResponse::CONTINUE, true)));
  EXPECT_FALSE(AnswerAdmits(BoolAnswer(pb::ValuedResponse::STOP_AND_RETURN, false)));
  EXPECT_FALSE(AnswerAdmits(BoolAnswer(pb::ValuedResponse::IGNORE, true)));
  pb::ValuedResponse no_value;
  no_value.set_type(pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_FALSE(AnswerAdmits(no_value));
  pb::ValuedResponse message_value;
  message_value.set_type(pb::ValuedResponse::STOP_AND_RETURN);
  message_value.mutable_message()->set_topic("t");
  EXPECT_FALSE(AnswerAdmits(message_value));
  EXPECT_FALSE(AnswerAdmits(absl::DeadlineExceededError("timeout")));
  EXPECT_FALSE(AnswerAdmits(absl::UnavailableError("down")));
}

TEST(DisconnectReasonTest, Names) {
  EXPECT_EQ(DisconnectReason(-1), "normal");
  EXPECT_EQ(DisconnectReason(MOSQ_ERR_KEEPALIVE), "keepalive_timeout");
  EXPECT_EQ(DisconnectReason(MOSQ_ERR_CONN_LOST), "tcp_closed");
}

ClientFacts Publisher() {
  ClientFacts facts;
  facts.node = "mosquitto@host";
  facts.clientid = "dev-1";
  facts.username = "BASE64DER";
  facts.peerhost = "10.0.0.7";
  return facts;
}

TEST(PublishMessageTest, CarriesEmqxFieldsAndHeaders) {
  pb::Message m = MakePublishMessage(Publisher(), "00ab", "users/u/devices/d/telemetry",
                                     std::string("a\0b", 3), 1, 1700000000123);
  EXPECT_EQ(m.node(), "mosquitto@host");
  EXPECT_EQ(m.id(), "00ab");
  EXPECT_EQ(m.qos(), 1u);
  EXPECT_EQ(m.from(), "dev-1");
  EXPECT_EQ(m.topic(), "users/u/devices/d/telemetry");
  EXPECT_EQ(m.payload(), std::string("a\0b", 3));
  EXPECT_EQ(m.timestamp(), 1700000000123u);
  EXPECT_EQ(m.headers().at("username"), "BASE64DER");
  EXPECT_EQ(m.headers().at("protocol"), "mqtt");
  EXPECT_EQ(m.headers().at("peerhost"), "10.0.0.7");
  EXPECT_EQ(m.headers().at("allow_publish"), "true");
  EXPECT_EQ(m.headers().size(), 4u);
}

pb::ValuedResponse MessageAnswer(
    const pb::Message& message,
    pb::ValuedResponse::ResponsedType type = pb::ValuedResponse::STOP_AND_RETURN) {
  pb::ValuedResponse answer;
  answer.set_type(type);
  *answer.mutable_message() = message;
  return answer;
}

TEST(ApplyPublishAnswerTest, RewritesTopicPayloadAndQos) {
  pb::Message sent = MakePublishMessage(Publisher(), "1", "in/t", "old", 1, 1);
  pb::Message back = sent;
  back.set_topic("out/t");
  back.set_payload("new");
  back.set_qos(0);
  PublishAction action = ApplyPublishAnswer(sent, MessageAnswer(back));
  EXPECT_EQ(action.kind, PublishAction::Kind::kRewrite);
  EXPECT_EQ(action.topic, "out/t");
  EXPECT_EQ(action.payload, "new");
  EXPECT_EQ(action.qos, 0u);
}

TEST(ApplyPublishAnswerTest, AllowPublishFalseDrops) {
  pb::Message sent = MakePublishMessage(Publisher(), "1", "in/t", "old", 1, 1);
  pb::Message back = sent;
  (*back.mutable_headers())["allow_publish"] = "false";
  EXPECT_EQ(ApplyPublishAnswer(sent, MessageAnswer(back)).kind, PublishAction::Kind::kDrop);
  EXPECT_EQ(ApplyPublishAnswer(sent, MessageAnswer(back, pb::ValuedResponse::CONTINUE)).kind,
            PublishAction::Kind::kDrop);
}

TEST(ApplyPublishAnswerTest, PartialMessageBlanksPayloadAndDropsWithoutTopic) {
  pb::Message sent = MakePublishMessage(Publisher(), "1", "in/t", "old", 1, 1);
  // Only the topic: EMQX copies the blank payload and qos 0 as well.
  pb::Message topic_only;
  topic_only.set_topic("in/t");
  PublishAction action = ApplyPublishAnswer(sent, MessageAnswer(topic_only));
  EXPECT_EQ(action.kind, PublishAction::Kind::kRewrite);
  EXPECT_EQ(action.topic, "in/t");
  EXPECT_EQ(action.payload, "");
  EXPECT_EQ(action.qos, 0u);
  // Only the payload: a blank topic cannot be routed by Mosquitto, so it is dropped.
  pb::Message payload_only;
  payload_only.set_payload("x");
  EXPECT_EQ(ApplyPublishAnswer(sent, MessageAnswer(payload_only)).kind, PublishAction::Kind::kDrop);
  // A wildcard topic is not a publish topic.
  pb::Message wildcard = sent;
  wildcard.set_topic("a/#");
  EXPECT_EQ(ApplyPublishAnswer(sent, MessageAnswer(wildcard)).kind, PublishAction::Kind::kDrop);
}

// A message the hub could not check (the call failed or timed out) is not delivered:
// unlike EMQX, which lets it pass, the plugin fails closed.
TEST(ApplyPublishAnswerTest, FailedCallDrops) {
  pb::Message sent = MakePublishMessage(Publisher(), "1", "in/t", "old", 1, 1);
  EXPECT_EQ(ApplyPublishAnswer(sent, absl::DeadlineExceededError("slow")).kind,
            PublishAction::Kind::kDrop);
  EXPECT_EQ(ApplyPublishAnswer(sent, absl::UnavailableError("down")).kind,
            PublishAction::Kind::kDrop);
}

TEST(ApplyPublishAnswerTest, IgnoreAndBoolValuesPassUnchanged) {
  pb::Message sent = MakePublishMessage(Publisher(), "1", "in/t", "old", 1, 1);
  pb::Message back = sent;
  back.set_topic("other");
  EXPECT_EQ(ApplyPublishAnswer(sent, MessageAnswer(back, pb::ValuedResponse::IGNORE)).kind,
            PublishAction::Kind::kPass);
  EXPECT_EQ(ApplyPublishAnswer(sent, BoolAnswer(pb::ValuedResponse::STOP_AND_RETURN, false)).kind,
            PublishAction::Kind::kPass);
}

TEST(WantsPublishTest, HonoursFiltersAndSkipsSys) {
  const std::vector<std::string> filters = {"users/+/devices/+/rpc/request", "a/#"};
  EXPECT_TRUE(WantsPublish(filters, "users/u1/devices/d1/rpc/request"));
  EXPECT_TRUE(WantsPublish(filters, "a"));
  EXPECT_TRUE(WantsPublish(filters, "a/b/c"));
  EXPECT_FALSE(WantsPublish(filters, "users/u1/devices/d1/telemetry"));
  EXPECT_FALSE(WantsPublish(filters, "b"));
  EXPECT_TRUE(WantsPublish({}, "anything/at/all"));
  EXPECT_FALSE(WantsPublish({}, "$SYS/broker/uptime"));
  EXPECT_FALSE(WantsPublish({"#"}, "$SYS/broker/uptime"));
}

}  // namespace
}  // namespace iothub::mosquitto_plugin
