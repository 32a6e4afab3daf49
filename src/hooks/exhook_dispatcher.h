// ExhookDispatcher: the protobuf <-> domain translation of the ExHook service. Each
// Handle() overload reads one request message into the views of hook_types.h, asks the
// HookHandler, and writes the answer EMQX expects (see exhook-protocol facts):
//   authenticate / authorize -> STOP_AND_RETURN with bool_result, always (never IGNORE:
//     EMQX 5.9+ admits a client anonymously when every provider ignores);
//   message.publish -> IGNORE when the message passes unchanged (nothing to copy);
//     otherwise the whole message back (EMQX copies qos, topic and payload from it):
//     CONTINUE with the rewritten topic and payload, or STOP_AND_RETURN with the header
//     allow_publish = "false" for a drop;
//   notification hooks -> EmptySuccess.
// Requests that cannot be answered safely (missing message on publish) get a gRPC error,
// which EMQX treats by its failed_action. A handler that throws fails closed: the client
// is denied, the message dropped (a notification is acknowledged), and the call is
// counted with outcome "error".
//
// The five hooks reach the handler through its async forms (HandleAsync), so an answer
// may be written later on the thread where the handler's shared state answered; their
// Handle waits for that answer.
//
// Thread-safety: stateless besides the handler, which must be thread-safe.
#pragma once

#include "hooks/exhook_service.h"
#include "hooks/hook_handler.h"

namespace iothub::hooks {

class ExhookDispatcher final : public ExhookService {
 public:
  explicit ExhookDispatcher(HookHandler& handler) : handler_(handler) {}

  // ExhookService
#define IOTHUB_DECLARE_HANDLE(name, req, resp, hook) \
  grpc::Status Handle(const pb::req& request, pb::resp* response, Outcome* outcome) override;
  IOTHUB_EXHOOK_RPCS(IOTHUB_DECLARE_HANDLE)
#undef IOTHUB_DECLARE_HANDLE
  void HandleAsync(const pb::ClientAuthenticateRequest& request, pb::ValuedResponse* response,
                   PendingAnswer& answer) override;
  void HandleAsync(const pb::ClientAuthorizeRequest& request, pb::ValuedResponse* response,
                   PendingAnswer& answer) override;
  void HandleAsync(const pb::MessagePublishRequest& request, pb::ValuedResponse* response,
                   PendingAnswer& answer) override;
  void HandleAsync(const pb::ClientConnectedRequest& request, pb::EmptySuccess* response,
                   PendingAnswer& answer) override;
  void HandleAsync(const pb::ClientDisconnectedRequest& request, pb::EmptySuccess* response,
                   PendingAnswer& answer) override;

 private:
  HookHandler& handler_;
};

}  // namespace iothub::hooks
