#include "rpc/publish_decision.h"

namespace iothub::rpc {

std::string_view ToString(PublishReason reason) {
  switch (reason) {
    case PublishReason::kNotRpc:
      return "not_rpc";
    case PublishReason::kRequestAccepted:
      return "accepted";
    case PublishReason::kInvalidRequest:
      return "invalid_request";
    case PublishReason::kUnknownMethod:
      return "unknown_method";
    case PublishReason::kInvalidParams:
      return "invalid_params";
    case PublishReason::kPublisherNotAllowed:
      return "publisher_not_allowed";
    case PublishReason::kDeviceUnknown:
      return "device_unknown";
    case PublishReason::kDeviceNotBound:
      return "device_not_bound";
    case PublishReason::kDeviceRevoked:
      return "device_revoked";
    case PublishReason::kDeviceOffline:
      return "device_offline";
    case PublishReason::kRateLimited:
      return "rate_limited";
    case PublishReason::kPendingDeviceFull:
      return "pending_device_full";
    case PublishReason::kPendingUserFull:
      return "pending_user_full";
    case PublishReason::kPendingTableFull:
      return "pending_table_full";
    case PublishReason::kDuplicateRequest:
      return "duplicate_request";
    case PublishReason::kRequestIdInUse:
      return "request_id_in_use";
    case PublishReason::kResponseAccepted:
      return "response_accepted";
    case PublishReason::kResponseMalformed:
      return "response_malformed";
    case PublishReason::kResponseNotFromDevice:
      return "response_not_from_device";
    case PublishReason::kResponseUnknownId:
      return "response_unknown_id";
    case PublishReason::kResponseDuplicate:
      return "response_duplicate";
    case PublishReason::kResponseLate:
      return "response_late";
    case PublishReason::kResponseWrongUser:
      return "response_wrong_user";
    case PublishReason::kMalformedTopic:
      return "malformed_topic";
    case PublishReason::kNoSession:
      return "no_session";
    case PublishReason::kStateUnavailable:
      return "state_unavailable";
    case PublishReason::kInternalError:
      return "internal_error";
  }
  return "unknown";
}

}  // namespace iothub::rpc
