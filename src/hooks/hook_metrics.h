// HookMetrics: per-hook call counters by outcome, latency histograms and the in-flight
// gauge, registered up front so that recording a call takes no lock and no allocation.
// Thread-safe.
#pragma once

#include <array>

#include "common/metrics.h"
#include "hooks/exhook_rpcs.h"

namespace iothub::hooks {

// How a hook call ended, as a metric label.
enum class Outcome { kOk, kAllow, kDeny, kPass, kDrop, kRewrite, kError, kCount };

class HookMetrics {
 public:
  explicit HookMetrics(Metrics& metrics);

  void Record(Rpc rpc, Outcome outcome, std::int64_t micros) {
    const auto r = static_cast<std::size_t>(rpc);
    calls_[r][static_cast<std::size_t>(outcome)]->Increment();
    latency_[r]->ObserveMicros(micros);
  }
  Gauge& in_flight() { return *in_flight_; }

 private:
  static constexpr std::size_t kOutcomes = static_cast<std::size_t>(Outcome::kCount);
  std::array<std::array<Counter*, kOutcomes>, kRpcCount> calls_{};
  std::array<Histogram*, kRpcCount> latency_{};
  Gauge* in_flight_ = nullptr;
};

}  // namespace iothub::hooks
