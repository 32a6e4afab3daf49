// Hook verdicts: how a Mosquitto ACL access maps to an ExHook authorize type and how a
// ValuedResponse (or a failed call) becomes an admit/deny decision, fail-closed as EMQX
// with failed_action = deny. Pure; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "exhook.pb.h"

namespace iothub::mosquitto_plugin {

// What to do with a MOSQ_EVT_ACL_CHECK access value.
enum class AclRoute {
  kAllowWithoutCall,  // MOSQ_ACL_READ (delivery) and MOSQ_ACL_UNSUBSCRIBE: EMQX never asks
  kAskPublish,        // MOSQ_ACL_WRITE
  kAskSubscribe,      // MOSQ_ACL_SUBSCRIBE
  kDeny,              // unknown access value
};

AclRoute RouteAclAccess(int access);

// The authorize type for kAskPublish / kAskSubscribe.
emqx::exhook::v2::ClientAuthorizeRequest::AuthorizeReqType AuthorizeTypeOf(AclRoute route);

// True only for a CONTINUE or STOP_AND_RETURN answer carrying bool_result = true.
// IGNORE, false, a message value, an error or a timeout all refuse (fail closed).
bool AnswerAdmits(const absl::StatusOr<emqx::exhook::v2::ValuedResponse>& answer);

// The `reason` of OnClientDisconnected for a MOSQ_EVT_DISCONNECT reason value
// (Mosquitto 2.0 passes -1 for every disconnect, which reads as "normal").
std::string DisconnectReason(int reason);

}  // namespace iothub::mosquitto_plugin
