#include "rpc/rpc_metrics.h"

#include <string>

namespace iothub::rpc {
namespace {

bool IsRequestReason(PublishReason r) {
  return r >= PublishReason::kRequestAccepted && r <= PublishReason::kStateUnavailable;
}

bool IsDropReason(PublishReason r) {
  switch (r) {
    case PublishReason::kDuplicateRequest:
    case PublishReason::kRequestIdInUse:
    case PublishReason::kResponseMalformed:
    case PublishReason::kResponseNotFromDevice:
    case PublishReason::kResponseUnknownId:
    case PublishReason::kResponseDuplicate:
    case PublishReason::kResponseLate:
    case PublishReason::kResponseWrongUser:
    case PublishReason::kMalformedTopic:
    case PublishReason::kNoSession:
    case PublishReason::kStateUnavailable:
    case PublishReason::kInternalError:
      return true;
    default:
      return false;
  }
}

}  // namespace

RpcMetrics::RpcMetrics(Metrics& metrics) {
  for (std::size_t m = 0; m <= kMethodCount; ++m) {
    const std::string method =
        m == kMethodCount ? "unknown" : std::string(MethodName(static_cast<Method>(m)));
    for (std::size_t r = 0; r < kPublishReasonCount; ++r) {
      const auto reason = static_cast<PublishReason>(r);
      if (!IsRequestReason(reason)) continue;
      requests_[m][r] = &metrics.GetCounter(
          "iothub_rpc_requests_total", "RPC requests seen on message.publish, by outcome.",
          {{"method", method}, {"outcome", std::string(ToString(reason))}});
    }
    if (m == kMethodCount) continue;
    responses_[m][0] =
        &metrics.GetCounter("iothub_rpc_responses_total", "RPC replies passed to the requester.",
                            {{"method", method}, {"outcome", "result"}});
    responses_[m][1] =
        &metrics.GetCounter("iothub_rpc_responses_total", "RPC replies passed to the requester.",
                            {{"method", method}, {"outcome", "error"}});
    timeouts_[m] = &metrics.GetCounter(
        "iothub_rpc_timeouts_total", "Pending RPC requests that timed out.", {{"method", method}});
    round_trip_[m] = &metrics.GetHistogram(
        "iothub_rpc_round_trip_seconds", "From the request's publish to the reply's publish.",
        {{"method", method}}, {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  }
  for (std::size_t r = 0; r < kPublishReasonCount; ++r) {
    const auto reason = static_cast<PublishReason>(r);
    if (!IsDropReason(reason)) continue;
    drops_[r] = &metrics.GetCounter("iothub_rpc_drops_total", "RPC messages dropped, by reason.",
                                    {{"reason", std::string(ToString(reason))}});
  }
  dedupe_hits_ = &metrics.GetCounter("iothub_rpc_dedupe_hits_total",
                                     "message.publish calls answered again from the cache.");
  pending_ = &metrics.GetGauge("iothub_rpc_pending", "RPC requests waiting for a reply.");
}

}  // namespace iothub::rpc
