#include "hooks/exhook_dispatcher.h"

#include <spdlog/spdlog.h>

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

grpc::Status Answer(const Decision& decision, pb::ValuedResponse* response, Outcome* outcome) {
  response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
  response->set_bool_result(decision.allow);
  *outcome = decision.allow ? Outcome::kAllow : Outcome::kDeny;
  return grpc::Status::OK;
}

grpc::Status Notified(Outcome* outcome) {
  *outcome = Outcome::kOk;
  return grpc::Status::OK;
}

// The handler threw (allocation failure is the only expected cause); call only inside a
// catch block. Debug only: a client may be able to provoke it repeatedly; the outcome
// "error" counts it.
void NoteException(std::string_view hook, Outcome* outcome) {
  *outcome = Outcome::kError;
  try {
    throw;
  } catch (const std::exception& e) {
    spdlog::debug("{}: handler failed ({}); failing closed", hook, e.what());
  } catch (...) {
    spdlog::debug("{}: handler failed; failing closed", hook);
  }
}

// authenticate / authorize when the handler failed: deny.
grpc::Status Refuse(std::string_view hook, pb::ValuedResponse* response, Outcome* outcome) {
  response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
  response->set_bool_result(false);
  NoteException(hook, outcome);
  return grpc::Status::OK;
}

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
  return Notified(outcome);
}

grpc::Status ExhookDispatcher::Handle(const pb::ProviderUnloadedRequest& request, pb::EmptySuccess*,
                                      Outcome* outcome) {
  spdlog::info("provider unloaded by broker node '{}'", request.meta().node());
  return Notified(outcome);
}

grpc::Status ExhookDispatcher::Handle(const pb::ClientAuthenticateRequest& request,
                                      pb::ValuedResponse* response, Outcome* outcome) {
  // A request without clientinfo has no identity: the handler sees empty fields and denies.
  try {
    return Answer(handler_.Authenticate(ToView(request.clientinfo())), response, outcome);
  } catch (...) {
    return Refuse("client.authenticate", response, outcome);
  }
}

grpc::Status ExhookDispatcher::Handle(const pb::ClientAuthorizeRequest& request,
                                      pb::ValuedResponse* response, Outcome* outcome) {
  const auto action = request.type() == pb::ClientAuthorizeRequest::SUBSCRIBE
                          ? AuthorizeAction::kSubscribe
                          : AuthorizeAction::kPublish;
  try {
    return Answer(handler_.Authorize(ToView(request.clientinfo()), action, request.topic()),
                  response, outcome);
  } catch (...) {
    return Refuse("client.authorize", response, outcome);
  }
}

grpc::Status ExhookDispatcher::Handle(const pb::MessagePublishRequest& request,
                                      pb::ValuedResponse* response, Outcome* outcome) {
  if (!request.has_message()) return MissingMessage(outcome);
  PublishOutcome result;
  bool failed = false;
  try {
    result = handler_.Publish(ToView(request.message()));
  } catch (...) {
    NoteException("message.publish", outcome);
    result = {.kind = PublishOutcome::Kind::kDrop, .reason = {}, .topic = {}, .payload = {}};
    failed = true;
  }
  return WritePublish(request, std::move(result), failed, response, outcome);
}

void ExhookDispatcher::HandleAsync(const pb::MessagePublishRequest& request,
                                   pb::ValuedResponse* response, PendingAnswer& answer) {
  Outcome outcome = Outcome::kError;
  if (!request.has_message()) {
    grpc::Status status = MissingMessage(&outcome);
    return answer.Send(std::move(status), outcome);
  }
  // Writes the answer for `result` (`failed`: the handler threw) and sends it.
  const auto send = [&request, response, &answer](PublishOutcome result, bool failed) noexcept {
    Outcome outcome = Outcome::kError;
    grpc::Status status;
    try {
      status = WritePublish(request, std::move(result), failed, response, &outcome);
    } catch (...) {  // allocation failure while copying the message: EMQX's failed_action
      outcome = Outcome::kError;
      status = grpc::Status(grpc::StatusCode::INTERNAL, "publish answer failed");
    }
    answer.Send(std::move(status), outcome);
  };
  try {
    handler_.PublishAsync(ToView(request.message()), [send](PublishOutcome result) noexcept {
      send(std::move(result), false);
    });
  } catch (...) {
    // The handler failed before it handed the message on (allocation failure): its
    // answer never comes, so the message is dropped here.
    NoteException("message.publish", &outcome);
    send(PublishOutcome::Drop({}), true);
  }
}

grpc::Status ExhookDispatcher::Handle(const pb::ClientConnectedRequest& request, pb::EmptySuccess*,
                                      Outcome* outcome) {
  try {
    handler_.Connected(ToView(request.clientinfo()));
  } catch (...) {
    NoteException("client.connected", outcome);
    return grpc::Status::OK;
  }
  return Notified(outcome);
}

grpc::Status ExhookDispatcher::Handle(const pb::ClientDisconnectedRequest& request,
                                      pb::EmptySuccess*, Outcome* outcome) {
  try {
    handler_.Disconnected(ToView(request.clientinfo()), request.reason());
  } catch (...) {
    NoteException("client.disconnected", outcome);
    return grpc::Status::OK;
  }
  return Notified(outcome);
}

// Hooks the hub never registers: answered with success so that a broker configured to
// send them anyway keeps working.
#define IOTHUB_DEFINE_NOTIFICATION(req)                                                        \
  grpc::Status ExhookDispatcher::Handle(const pb::req&, pb::EmptySuccess*, Outcome* outcome) { \
    return Notified(outcome);                                                                  \
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
