#include "hooks/exhook_dispatcher.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "common/awaited.h"

namespace iothub::hooks {
namespace {

ClientView ToView(const pb::ClientInfo& info) {
  return ClientView{.node = info.node(),
                    .clientid = info.clientid(),
                    .username = info.username(),
                    .password = info.password(),
                    .peerhost = info.peerhost(),
                    .sockport = info.sockport(),
                    .protocol = info.protocol(),
                    .cn = info.cn(),
                    .dn = info.dn()};
}

MessageView ToView(const pb::Message& message) {
  return MessageView{.id = message.id(),
                     .node = message.node(),
                     .from = message.from(),
                     .topic = message.topic(),
                     .payload = message.payload(),
                     .qos = message.qos(),
                     .timestamp = message.timestamp()};
}

// authenticate / authorize: always STOP_AND_RETURN with the decision.
grpc::Status WriteDecision(const Decision& decision, pb::ValuedResponse* response,
                           Outcome* outcome) {
  response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
  response->set_bool_result(decision.allow);
  *outcome = decision.allow ? Outcome::kAllow : Outcome::kDeny;
  return grpc::Status::OK;
}

grpc::Status Acknowledge(Outcome* outcome) {
  *outcome = Outcome::kOk;
  return grpc::Status::OK;
}

// A notification whose handler failed is acknowledged all the same.
grpc::Status FailedNotification(Outcome* outcome) { return Acknowledge(outcome); }

// What a notification handler answers: nothing.
struct Notified {};

// The handler threw (allocation failure is the only expected cause); call only inside a
// catch block. Debug only: a client may be able to provoke it repeatedly; the outcome
// "error" counts it.
void NoteException(std::string_view hook) {
  try {
    throw;
  } catch (const std::exception& e) {
    spdlog::debug("{}: handler failed ({}); failing closed", hook, e.what());
  } catch (...) {
    spdlog::debug("{}: handler failed; failing closed", hook);
  }
}

// Starts the handler's async form with `start(done)` and sends `write(result)` once the
// handler answers. When the handler throws before it handed `done` on, or writing the
// answer throws, the call fails closed with `fail` (deny, drop, acknowledge), counted
// as outcome "error"; a failure of `fail` itself is a gRPC error (EMQX's failed_action).
template <typename Result, typename Start, typename Write, typename Fail>
void AnswerLater(std::string_view hook, PendingAnswer& answer, Start start, Write write,
                 Fail fail) {
  const auto send_failure = [hook, &answer, fail] {
    NoteException(hook);
    Outcome ignored = Outcome::kError;
    grpc::Status status;
    try {
      status = fail(&ignored);
    } catch (...) {
      status = grpc::Status(grpc::StatusCode::INTERNAL, "hook answer failed");
    }
    answer.Send(std::move(status), Outcome::kError);
  };
  auto write_and_send = [&answer, write, send_failure](Result result) mutable noexcept {
    Outcome outcome = Outcome::kError;
    grpc::Status status;
    try {
      status = write(std::move(result), &outcome);
    } catch (...) {
      return send_failure();
    }
    answer.Send(std::move(status), outcome);
  };
  try {
    start(std::move(write_and_send));
  } catch (...) {
    send_failure();
  }
}

// authenticate / authorize answered later: the decision, or a denial when the handler
// fails.
template <typename Start>
void DecideLater(std::string_view hook, PendingAnswer& answer, pb::ValuedResponse* response,
                 Start start) {
  AnswerLater<Decision>(
      hook, answer, std::move(start),
      [response](Decision decision, Outcome* outcome) {
        return WriteDecision(decision, response, outcome);
      },
      [response](Outcome* outcome) {
        return WriteDecision({false, {}}, response, outcome);
      });
}

// A PendingAnswer to wait for, for the waiting form of the hooks answered later.
class AwaitedAnswer final : public PendingAnswer {
 public:
  void Send(grpc::Status status, Outcome outcome) override {
    answer_.Set({std::move(status), outcome});
  }
  grpc::Status Wait(Outcome* outcome) {
    auto [status, answered] = answer_.Wait();
    *outcome = answered;
    return status;
  }

 private:
  Awaited<std::pair<grpc::Status, Outcome>> answer_;
};

grpc::Status MissingMessage(Outcome* outcome) {
  *outcome = Outcome::kError;
  return {grpc::StatusCode::INVALID_ARGUMENT, "MessagePublishRequest.message is missing"};
}

// message.publish's answer for the handler's `result` (`failed`: the handler threw).
grpc::Status WritePublish(const pb::MessagePublishRequest& request, PublishOutcome result,
                          bool failed, pb::ValuedResponse* response, Outcome* outcome) {
  if (result.kind == PublishOutcome::Kind::kPass) {
    // IGNORE leaves the message exactly as it is, without copying it back and forth.
    response->set_type(pb::ValuedResponse::IGNORE);
    *outcome = Outcome::kPass;
    return grpc::Status::OK;
  }
  // EMQX copies qos, topic and payload from a returned message: always send it whole.
  pb::Message* message = response->mutable_message();
  *message = request.message();
  if (result.kind == PublishOutcome::Kind::kRewrite) {
    response->set_type(pb::ValuedResponse::CONTINUE);
    message->set_topic(std::move(result.topic));
    message->set_payload(std::move(result.payload));
    *outcome = Outcome::kRewrite;
  } else {
    response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
    (*message->mutable_headers())["allow_publish"] = "false";
    *outcome = failed ? Outcome::kError : Outcome::kDrop;
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ExhookDispatcher::Handle(const pb::ProviderLoadedRequest& request,
                                      pb::LoadedResponse* response, Outcome* outcome) {
  const BrokerView broker{.version = request.broker().version(),
                          .sysdescr = request.broker().sysdescr(),
                          .node = request.meta().node()};
  spdlog::info("provider loaded by broker node '{}' ({} {})", request.meta().node(),
               request.broker().sysdescr(), request.broker().version());
  for (const HookSpec& spec : handler_.OnProviderLoaded(broker)) {
    pb::HookSpec* out = response->add_hooks();
    out->set_name(spec.name);
    for (const std::string& topic : spec.topics) out->add_topics(topic);
  }
  return Acknowledge(outcome);
}

grpc::Status ExhookDispatcher::Handle(const pb::ProviderUnloadedRequest& request, pb::EmptySuccess*,
                                      Outcome* outcome) {
  spdlog::info("provider unloaded by broker node '{}'", request.meta().node());
  return Acknowledge(outcome);
}

// The five hooks the hub answers are handled once, in HandleAsync; their waiting form
// (Handle, for callers that have no queue, e.g. tests) waits for that answer.
#define IOTHUB_WAIT_FOR_ANSWER(req, resp)                                           \
  grpc::Status ExhookDispatcher::Handle(const pb::req& request, pb::resp* response, \
                                        Outcome* outcome) {                         \
    AwaitedAnswer answer;                                                           \
    HandleAsync(request, response, answer);                                         \
    return answer.Wait(outcome);                                                    \
  }
IOTHUB_WAIT_FOR_ANSWER(ClientAuthenticateRequest, ValuedResponse)
IOTHUB_WAIT_FOR_ANSWER(ClientAuthorizeRequest, ValuedResponse)
IOTHUB_WAIT_FOR_ANSWER(MessagePublishRequest, ValuedResponse)
IOTHUB_WAIT_FOR_ANSWER(ClientConnectedRequest, EmptySuccess)
IOTHUB_WAIT_FOR_ANSWER(ClientDisconnectedRequest, EmptySuccess)
#undef IOTHUB_WAIT_FOR_ANSWER

void ExhookDispatcher::HandleAsync(const pb::ClientAuthenticateRequest& request,
                                   pb::ValuedResponse* response, PendingAnswer& answer) {
  // A request without clientinfo has no identity: the handler sees empty fields and denies.
  DecideLater("client.authenticate", answer, response, [&](auto done) {
    handler_.AuthenticateAsync(ToView(request.clientinfo()), std::move(done));
  });
}

void ExhookDispatcher::HandleAsync(const pb::ClientAuthorizeRequest& request,
                                   pb::ValuedResponse* response, PendingAnswer& answer) {
  const auto action = request.type() == pb::ClientAuthorizeRequest::SUBSCRIBE
                          ? AuthorizeAction::kSubscribe
                          : AuthorizeAction::kPublish;
  DecideLater("client.authorize", answer, response, [&](auto done) {
    handler_.AuthorizeAsync(ToView(request.clientinfo()), action, request.topic(), std::move(done));
  });
}

void ExhookDispatcher::HandleAsync(const pb::MessagePublishRequest& request,
                                   pb::ValuedResponse* response, PendingAnswer& answer) {
  if (!request.has_message()) {
    Outcome outcome = Outcome::kError;
    grpc::Status status = MissingMessage(&outcome);
    return answer.Send(std::move(status), outcome);
  }
  AnswerLater<PublishOutcome>(
      "message.publish", answer,
      [&](auto done) { handler_.PublishAsync(ToView(request.message()), std::move(done)); },
      [&request, response](PublishOutcome result, Outcome* outcome) {
        return WritePublish(request, std::move(result), /*failed=*/false, response, outcome);
      },
      // Dropped: never ignored, which would let it through.
      [&request, response](Outcome* outcome) {
        return WritePublish(request, PublishOutcome::Drop({}), /*failed=*/true, response, outcome);
      });
}

void ExhookDispatcher::HandleAsync(const pb::ClientConnectedRequest& request, pb::EmptySuccess*,
                                   PendingAnswer& answer) {
  AnswerLater<Notified>(
      "client.connected", answer,
      [&](auto done) {
        handler_.ConnectedAsync(ToView(request.clientinfo()),
                                [done = std::move(done)]() mutable noexcept { done(Notified{}); });
      },
      [](Notified, Outcome* outcome) { return Acknowledge(outcome); }, FailedNotification);
}

void ExhookDispatcher::HandleAsync(const pb::ClientDisconnectedRequest& request, pb::EmptySuccess*,
                                   PendingAnswer& answer) {
  AnswerLater<Notified>(
      "client.disconnected", answer,
      [&](auto done) {
        handler_.DisconnectedAsync(
            ToView(request.clientinfo()), request.reason(),
            [done = std::move(done)]() mutable noexcept { done(Notified{}); });
      },
      [](Notified, Outcome* outcome) { return Acknowledge(outcome); }, FailedNotification);
}

// Hooks the hub never registers: answered with success so that a broker configured to
// send them anyway keeps working.
#define IOTHUB_DEFINE_NOTIFICATION(req)                                                        \
  grpc::Status ExhookDispatcher::Handle(const pb::req&, pb::EmptySuccess*, Outcome* outcome) { \
    return Acknowledge(outcome);                                                               \
  }
IOTHUB_DEFINE_NOTIFICATION(ClientConnectRequest)
IOTHUB_DEFINE_NOTIFICATION(ClientConnackRequest)
IOTHUB_DEFINE_NOTIFICATION(ClientSubscribeRequest)
IOTHUB_DEFINE_NOTIFICATION(ClientUnsubscribeRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionCreatedRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionSubscribedRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionUnsubscribedRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionResumedRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionDiscardedRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionTakenoverRequest)
IOTHUB_DEFINE_NOTIFICATION(SessionTerminatedRequest)
IOTHUB_DEFINE_NOTIFICATION(MessageDeliveredRequest)
IOTHUB_DEFINE_NOTIFICATION(MessageDroppedRequest)
IOTHUB_DEFINE_NOTIFICATION(MessageAckedRequest)
#undef IOTHUB_DEFINE_NOTIFICATION

}  // namespace iothub::hooks
