#include "mosquitto_plugin/hook_verdicts.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

namespace iothub::mosquitto_plugin {

using emqx::exhook::v2::ClientAuthorizeRequest;
using emqx::exhook::v2::ValuedResponse;

AclRoute RouteAclAccess(int access) {
  switch (access) {
    case MOSQ_ACL_READ:
    case MOSQ_ACL_UNSUBSCRIBE:
      return AclRoute::kAllowWithoutCall;
    case MOSQ_ACL_WRITE:
      return AclRoute::kAskPublish;
    case MOSQ_ACL_SUBSCRIBE:
      return AclRoute::kAskSubscribe;
    default:
      return AclRoute::kDeny;
  }
}

ClientAuthorizeRequest::AuthorizeReqType AuthorizeTypeOf(AclRoute route) {
  return route == AclRoute::kAskSubscribe ? ClientAuthorizeRequest::SUBSCRIBE
                                          : ClientAuthorizeRequest::PUBLISH;
}

bool AnswerAdmits(const absl::StatusOr<ValuedResponse>& answer) {
  if (!answer.ok()) return false;
  if (answer->type() == ValuedResponse::IGNORE) return false;
  return answer->value_case() == ValuedResponse::kBoolResult && answer->bool_result();
}

std::string DisconnectReason(int reason) {
  switch (reason) {
    case -1:
    case MOSQ_ERR_SUCCESS:
      return "normal";
    case MOSQ_ERR_KEEPALIVE:
      return "keepalive_timeout";
    case MOSQ_ERR_CONN_LOST:
      return "tcp_closed";
    case MOSQ_ERR_PROTOCOL:
    case MOSQ_ERR_MALFORMED_PACKET:
      return "protocol_error";
    case MOSQ_ERR_ADMINISTRATIVE_ACTION:
      return "kicked";
    default:
      return "unknown_error";
  }
}

}  // namespace iothub::mosquitto_plugin
