// The protobuf <-> domain translation of the ExHook service, with a recording handler.
#include "hooks/exhook_dispatcher.h"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

namespace iothub::hooks {
namespace {

// A HookHandler that records what it was given and answers what it is told.
class RecordingHandler final : public HookHandler {
 public:
  std::vector<HookSpec> OnProviderLoaded(const BrokerView& broker) override {
    broker_version = std::string(broker.version);
    return {{.name = "message.publish", .topics = {"a/+"}},
            {.name = "client.authorize", .topics = {}}};
  }
  Decision Authenticate(const ClientView& client) override {
    clientid = std::string(client.clientid);
    username = std::string(client.username);
    password = std::string(client.password);
    cn = std::string(client.cn);
    dn = std::string(client.dn);
    return {allow, "test"};
  }
  Decision Authorize(const ClientView& client, AuthorizeAction a, std::string_view t) override {
    clientid = std::string(client.clientid);
    action = a;
    topic = std::string(t);
    return {allow, "test"};
  }
  PublishOutcome Publish(const MessageView& message) override {
    topic = std::string(message.topic);
    payload = std::string(message.payload);
    return publish;
  }
  void Connected(const ClientView& client) override { connected = std::string(client.clientid); }
  void Disconnected(const ClientView& client, std::string_view why) override {
    disconnected = std::string(client.clientid);
    reason = std::string(why);
  }

  bool allow = false;
  PublishOutcome publish;
  std::string broker_version, clientid, username, password, cn, dn, topic, payload, connected,
      disconnected, reason;
  AuthorizeAction action = AuthorizeAction::kPublish;
};

pb::MessagePublishRequest PublishRequest() {
  pb::MessagePublishRequest request;
  pb::Message* message = request.mutable_message();
  message->set_id("ID1");
  message->set_qos(1);
  message->set_from("c1");
  message->set_topic("a/b");
  message->set_payload("hello");
  (*message->mutable_headers())["username"] = "u";
  return request;
}

// OnProviderLoaded returns the handler's hooks with their topic filters.
TEST(ExhookDispatcherTest, ProviderLoadedListsHooks) {
  RecordingHandler handler;
  ExhookDispatcher dispatcher(handler);
  pb::ProviderLoadedRequest request;
  request.mutable_broker()->set_version("5.3.0");
  pb::LoadedResponse response;
  Outcome outcome;
  ASSERT_TRUE(dispatcher.Handle(request, &response, &outcome).ok());
  EXPECT_EQ(handler.broker_version, "5.3.0");
  ASSERT_EQ(response.hooks_size(), 2);
  EXPECT_EQ(response.hooks(0).name(), "message.publish");
  EXPECT_EQ(response.hooks(0).topics(0), "a/+");
  EXPECT_EQ(response.hooks(1).topics_size(), 0);
}

// Authenticate passes every client field through and answers STOP_AND_RETURN with the
// handler's verdict, both ways.
TEST(ExhookDispatcherTest, AuthenticateTranslatesBothWays) {
  RecordingHandler handler;
  ExhookDispatcher dispatcher(handler);
  pb::ClientAuthenticateRequest request;
  pb::ClientInfo* info = request.mutable_clientinfo();
  info->set_clientid("dev-1");
  info->set_username("BASE64");
  info->set_password("secret");
  info->set_cn("device-dev-1");
  info->set_dn("CN=device-dev-1");
  for (const bool allow : {true, false}) {
    handler.allow = allow;
    pb::ValuedResponse response;
    Outcome outcome;
    ASSERT_TRUE(dispatcher.Handle(request, &response, &outcome).ok());
    EXPECT_EQ(response.type(), pb::ValuedResponse::STOP_AND_RETURN);
    ASSERT_EQ(response.value_case(), pb::ValuedResponse::kBoolResult);
    EXPECT_EQ(response.bool_result(), allow);
    EXPECT_EQ(outcome, allow ? Outcome::kAllow : Outcome::kDeny);
  }
  EXPECT_EQ(handler.clientid, "dev-1");
  EXPECT_EQ(handler.username, "BASE64");
  EXPECT_EQ(handler.password, "secret");
  EXPECT_EQ(handler.cn, "device-dev-1");
  EXPECT_EQ(handler.dn, "CN=device-dev-1");
}

// Authorize maps the request type to the action and passes the topic.
TEST(ExhookDispatcherTest, AuthorizeMapsTheAction) {
  RecordingHandler handler;
  ExhookDispatcher dispatcher(handler);
  pb::ClientAuthorizeRequest request;
  request.mutable_clientinfo()->set_clientid("c1");
  request.set_type(pb::ClientAuthorizeRequest::SUBSCRIBE);
  request.set_topic("users/u/#");
  pb::ValuedResponse response;
  Outcome outcome;
  ASSERT_TRUE(dispatcher.Handle(request, &response, &outcome).ok());
  EXPECT_EQ(handler.action, AuthorizeAction::kSubscribe);
  EXPECT_EQ(handler.topic, "users/u/#");
  EXPECT_FALSE(response.bool_result());
}

// A pass answers IGNORE without a message: EMQX keeps the message exactly as it is.
TEST(ExhookDispatcherTest, PublishPassIsIgnore) {
  RecordingHandler handler;
  ExhookDispatcher dispatcher(handler);
  const pb::MessagePublishRequest request = PublishRequest();
  pb::ValuedResponse response;
  Outcome outcome;
  ASSERT_TRUE(dispatcher.Handle(request, &response, &outcome).ok());
  EXPECT_EQ(response.type(), pb::ValuedResponse::IGNORE);
  EXPECT_EQ(response.value_case(), pb::ValuedResponse::VALUE_NOT_SET);
  EXPECT_EQ(outcome, Outcome::kPass);
}

// A rewrite changes topic and payload and keeps the rest; a drop sets allow_publish=false.
TEST(ExhookDispatcherTest, PublishRewriteAndDrop) {
  RecordingHandler handler;
  ExhookDispatcher dispatcher(handler);
  handler.publish = {
      .kind = PublishOutcome::Kind::kRewrite, .reason = "x", .topic = "t2", .payload = "err"};
  pb::ValuedResponse rewritten;
  Outcome outcome;
  ASSERT_TRUE(dispatcher.Handle(PublishRequest(), &rewritten, &outcome).ok());
  EXPECT_EQ(rewritten.type(), pb::ValuedResponse::CONTINUE);
  EXPECT_EQ(rewritten.message().topic(), "t2");
  EXPECT_EQ(rewritten.message().payload(), "err");
  EXPECT_EQ(rewritten.message().qos(), 1u);
  EXPECT_EQ(rewritten.message().id(), "ID1");
  EXPECT_EQ(outcome, Outcome::kRewrite);

  handler.publish = {
      .kind = PublishOutcome::Kind::kDrop, .reason = "x", .topic = {}, .payload = {}};
  pb::ValuedResponse dropped;
  ASSERT_TRUE(dispatcher.Handle(PublishRequest(), &dropped, &outcome).ok());
  EXPECT_EQ(dropped.type(), pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_EQ(dropped.message().headers().at("allow_publish"), "false");
  EXPECT_EQ(dropped.message().topic(), "a/b");
  EXPECT_EQ(outcome, Outcome::kDrop);
}

// Connected and disconnected reach the handler with the clientid and the reason.
TEST(ExhookDispatcherTest, ConnectedAndDisconnected) {
  RecordingHandler handler;
  ExhookDispatcher dispatcher(handler);
  pb::ClientConnectedRequest connected;
  connected.mutable_clientinfo()->set_clientid("c1");
  pb::ClientDisconnectedRequest disconnected;
  disconnected.mutable_clientinfo()->set_clientid("c2");
  disconnected.set_reason("takenover");
  pb::EmptySuccess empty;
  Outcome outcome;
  ASSERT_TRUE(dispatcher.Handle(connected, &empty, &outcome).ok());
  ASSERT_TRUE(dispatcher.Handle(disconnected, &empty, &outcome).ok());
  EXPECT_EQ(handler.connected, "c1");
  EXPECT_EQ(handler.disconnected, "c2");
  EXPECT_EQ(handler.reason, "takenover");
}

// A HookHandler whose every hook throws, as allocation failure would.
class ThrowingHandler final : public HookHandler {
 public:
  std::vector<HookSpec> OnProviderLoaded(const BrokerView&) override { return {}; }
  Decision Authenticate(const ClientView&) override { throw std::bad_alloc(); }
  Decision Authorize(const ClientView&, AuthorizeAction, std::string_view) override {
    throw std::runtime_error("boom");
  }
  PublishOutcome Publish(const MessageView&) override { throw std::bad_alloc(); }
  void Connected(const ClientView&) override { throw 42; }
  void Disconnected(const ClientView&, std::string_view) override { throw std::bad_alloc(); }
};

// A handler that throws fails closed: authenticate and authorize deny, a publish is
// dropped (never ignored, which would let it through), notifications are acknowledged;
// each call reports outcome "error".
TEST(ExhookDispatcherTest, ThrowingHandlerFailsClosed) {
  ThrowingHandler handler;
  ExhookDispatcher dispatcher(handler);
  Outcome outcome = Outcome::kOk;

  pb::ClientAuthenticateRequest authenticate;
  authenticate.mutable_clientinfo()->set_clientid("c1");
  pb::ValuedResponse authenticated;
  ASSERT_TRUE(dispatcher.Handle(authenticate, &authenticated, &outcome).ok());
  EXPECT_EQ(authenticated.type(), pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_FALSE(authenticated.bool_result());
  EXPECT_EQ(outcome, Outcome::kError);

  pb::ClientAuthorizeRequest authorize;
  authorize.set_topic("a/b");
  pb::ValuedResponse authorized;
  outcome = Outcome::kOk;
  ASSERT_TRUE(dispatcher.Handle(authorize, &authorized, &outcome).ok());
  EXPECT_EQ(authorized.type(), pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_FALSE(authorized.bool_result());
  EXPECT_EQ(outcome, Outcome::kError);

  pb::ValuedResponse published;
  outcome = Outcome::kOk;
  ASSERT_TRUE(dispatcher.Handle(PublishRequest(), &published, &outcome).ok());
  EXPECT_EQ(published.type(), pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_EQ(published.message().headers().at("allow_publish"), "false");
  EXPECT_EQ(outcome, Outcome::kError);

  pb::ClientConnectedRequest connected;
  pb::ClientDisconnectedRequest disconnected;
  pb::EmptySuccess empty;
  outcome = Outcome::kOk;
  EXPECT_TRUE(dispatcher.Handle(connected, &empty, &outcome).ok());
  EXPECT_EQ(outcome, Outcome::kError);
  outcome = Outcome::kOk;
  EXPECT_TRUE(dispatcher.Handle(disconnected, &empty, &outcome).ok());
  EXPECT_EQ(outcome, Outcome::kError);
}

// The transport's call, recording the one answer it gets.
class RecordedAnswer final : public PendingAnswer {
 public:
  void Send(grpc::Status status, Outcome outcome) override {
    ++sent;
    last_status = std::move(status);
    last_outcome = outcome;
  }
  int sent = 0;
  grpc::Status last_status;
  Outcome last_outcome = Outcome::kOk;
};

// A handler that answers publishes later: PublishAsync keeps `done` until Answer().
class LaterHandler final : public HookHandler {
 public:
  std::vector<HookSpec> OnProviderLoaded(const BrokerView&) override { return {}; }
  Decision Authenticate(const ClientView&) override { return {false, ""}; }
  Decision Authorize(const ClientView&, AuthorizeAction, std::string_view) override {
    return {false, ""};
  }
  PublishOutcome Publish(const MessageView&) override { return PublishOutcome::Drop("sync"); }
  void PublishAsync(const MessageView& message, PublishDone done) override {
    topic = std::string(message.topic);
    held = std::move(done);
  }
  void Connected(const ClientView&) override {}
  void Disconnected(const ClientView&, std::string_view) override {}

  std::string topic;
  PublishDone held;
};

// message.publish answered later: nothing is sent until the handler answers, then the
// rewrite is written and sent once.
TEST(ExhookDispatcherTest, PublishAnsweredLaterIsSentOnce) {
  LaterHandler handler;
  ExhookDispatcher dispatcher(handler);
  const pb::MessagePublishRequest request = PublishRequest();
  pb::ValuedResponse response;
  RecordedAnswer answer;
  dispatcher.HandleAsync(request, &response, answer);
  EXPECT_EQ(handler.topic, "a/b");
  EXPECT_EQ(answer.sent, 0);

  PublishOutcome rewrite;
  rewrite.kind = PublishOutcome::Kind::kRewrite;
  rewrite.topic = "a/reply";
  rewrite.payload = "err";
  handler.held(std::move(rewrite));
  EXPECT_EQ(answer.sent, 1);
  EXPECT_TRUE(answer.last_status.ok());
  EXPECT_EQ(answer.last_outcome, Outcome::kRewrite);
  EXPECT_EQ(response.type(), pb::ValuedResponse::CONTINUE);
  EXPECT_EQ(response.message().topic(), "a/reply");
  EXPECT_EQ(response.message().payload(), "err");
}

// A handler that throws before it took the message fails closed through HandleAsync
// too: dropped, outcome "error", sent once; a request without a message is an error.
TEST(ExhookDispatcherTest, PublishAsyncOfAThrowingHandlerIsDroppedOnce) {
  ThrowingHandler handler;
  ExhookDispatcher dispatcher(handler);
  pb::ValuedResponse response;
  RecordedAnswer answer;
  dispatcher.HandleAsync(PublishRequest(), &response, answer);
  EXPECT_EQ(answer.sent, 1);
  EXPECT_TRUE(answer.last_status.ok());
  EXPECT_EQ(answer.last_outcome, Outcome::kError);
  EXPECT_EQ(response.type(), pb::ValuedResponse::STOP_AND_RETURN);
  EXPECT_EQ(response.message().headers().at("allow_publish"), "false");

  RecordedAnswer missing;
  pb::ValuedResponse ignored;
  dispatcher.HandleAsync(pb::MessagePublishRequest(), &ignored, missing);
  EXPECT_EQ(missing.sent, 1);
  EXPECT_EQ(missing.last_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace iothub::hooks
