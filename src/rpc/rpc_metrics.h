// RpcMetrics: the RPC pipeline's Prometheus series, all registered at construction so
// that recording takes no lock and no allocation (arrays indexed by enum).
//   iothub_rpc_requests_total{method,outcome}   requests by method ("unknown" when not
//                                                in the catalog) and request reason
//   iothub_rpc_responses_total{method,outcome}  passed replies: outcome result | error
//   iothub_rpc_drops_total{reason}              dropped messages by reason
//   iothub_rpc_timeouts_total{method}           pending requests that timed out
//   iothub_rpc_round_trip_seconds{method}       request publish -> reply publish
//   iothub_rpc_pending                          pending requests now
//   iothub_rpc_dedupe_hits_total                repeated hook calls answered from cache
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <optional>

#include "common/metrics.h"
#include "rpc/method_catalog.h"
#include "rpc/publish_decision.h"

namespace iothub::rpc {

class RpcMetrics {
 public:
  explicit RpcMetrics(Metrics& metrics);

  // A request ended with `reason`; `method` is nullopt when unknown or unparsed.
  void Request(std::optional<Method> method, PublishReason reason) {
    Counter* c = requests_[MethodSlot(method)][static_cast<std::size_t>(reason)];
    if (c != nullptr) c->Increment();
  }
  void Drop(PublishReason reason) {
    Counter* c = drops_[static_cast<std::size_t>(reason)];
    if (c != nullptr) c->Increment();
  }
  void Response(Method method, bool is_error, std::chrono::nanoseconds round_trip) {
    const auto m = static_cast<std::size_t>(method);
    responses_[m][is_error ? 1 : 0]->Increment();
    round_trip_[m]->ObserveMicros(
        std::chrono::duration_cast<std::chrono::microseconds>(round_trip).count());
  }
  void Timeout(Method method) { timeouts_[static_cast<std::size_t>(method)]->Increment(); }
  void DedupeHit() { dedupe_hits_->Increment(); }
  Gauge& pending() { return *pending_; }

 private:
  static std::size_t MethodSlot(std::optional<Method> method) {
    return method ? static_cast<std::size_t>(*method) : kMethodCount;
  }

  // [method or kMethodCount for unknown][reason]; null for reasons that are not about
  // requests.
  std::array<std::array<Counter*, kPublishReasonCount>, kMethodCount + 1> requests_{};
  std::array<Counter*, kPublishReasonCount> drops_{};  // null for non-drop reasons
  std::array<std::array<Counter*, 2>, kMethodCount> responses_{};
  std::array<Counter*, kMethodCount> timeouts_{};
  std::array<Histogram*, kMethodCount> round_trip_{};
  Counter* dedupe_hits_ = nullptr;
  Gauge* pending_ = nullptr;
};

}  // namespace iothub::rpc
