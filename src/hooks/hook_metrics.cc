#include "hooks/hook_metrics.h"

namespace iothub::hooks {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(Outcome::kCount)> kOutcomeNames = {
    "ok", "allow", "deny", "pass", "drop", "rewrite", "error"};

}  // namespace

HookMetrics::HookMetrics(Metrics& metrics) {
  for (std::size_t r = 0; r < kRpcCount; ++r) {
    const std::string hook(HookName(static_cast<Rpc>(r)));
    for (std::size_t o = 0; o < kOutcomes; ++o) {
      calls_[r][o] =
          &metrics.GetCounter("iothub_hook_calls_total", "Hook calls by hook and result",
                              {{"hook", hook}, {"result", std::string(kOutcomeNames[o])}});
    }
    latency_[r] = &metrics.GetHistogram("iothub_hook_latency_seconds",
                                        "Time spent in the hub per hook call", {{"hook", hook}});
  }
  in_flight_ = &metrics.GetGauge("iothub_hook_in_flight", "Hook calls being answered now");
}

}  // namespace iothub::hooks
