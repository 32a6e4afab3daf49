// EmqxBrokerAdmin: a BrokerNotifier that calls EMQX's REST API (5.3+, API key auth) so
// that changes act at once on a live broker instead of waiting for EMQX's authz cache to
// expire or for a revoked device to disconnect:
//   KickClient(id)     -> DELETE {api_url}/api/v5/clients/{percent-encoded id}
//   ClearAuthzCache()  -> DELETE {api_url}/api/v5/authorization/cache
//
// Delivery. Both calls only enqueue and return; one worker thread sends them. A call is
// retried with backoff (see call_policy.h) on connection errors, timeouts, 408, 429 and
// 5xx, up to max_attempts, then given up (logged, counted). 2xx is success, and so is
// 404 on a kick (the client is not connected). 401/403 is logged as a configuration
// error and not retried. While one call waits to retry, calls that are ready go first.
// A request equal to one still waiting in the queue (any ClearAuthzCache; a kick of the
// same clientid) is coalesced into it, and that call's attempts start over; a call
// already being sent is not coalesced into (it may have reached EMQX before the change).
// At most max_queue calls wait; beyond that, new ones are dropped (logged, counted).
//
// Metrics: iothub_emqx_api_calls_total{call,outcome} counts every request exactly once
// by how it ended; iothub_emqx_api_retries_total{call} counts failed attempts that were
// retried; iothub_emqx_api_queue is the number of calls waiting or in flight.
// Logs name the call and the clientid, never the api_secret or the Authorization header.
//
// Thread-safe. Stop() (also run by the destructor) sends what is queued for at most
// drain_timeout_ms, abandons the rest, and joins the worker; an attempt in flight at the
// deadline may add its timeouts (timeout_ms for connect, then for the answer).
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/statusor.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "emqx/broker_admin_options.h"
#include "emqx/broker_notifier.h"
#include "emqx/call_policy.h"

namespace iothub::emqx {

class EmqxBrokerAdmin final : public BrokerNotifier {
 public:
  // How a request ended; one per KickClient/ClearAuthzCache.
  enum class Outcome {
    kOk,            // 2xx
    kNotConnected,  // kick answered 404: nothing to kick
    kFailed,        // gave up after max_attempts retryable failures
    kUnauthorized,  // 401/403
    kRejected,      // another 4xx (or 404 on clear)
    kCoalesced,     // merged into an equal request still queued
    kDropped,       // queue full, or requested after Stop()
    kAbandoned,     // still queued when Stop()'s drain deadline passed
    kInvalid,       // empty clientid
  };
  static constexpr int kOutcomeCount = 9;
  static std::string_view OutcomeName(Outcome outcome);

  // Validates the options (api_url must be set) and starts the worker. `metrics` may be
  // null (then the admin keeps its own); otherwise it must outlive the admin.
  static absl::StatusOr<std::unique_ptr<EmqxBrokerAdmin>> Create(BrokerAdminOptions options,
                                                                 Metrics* metrics);
  ~EmqxBrokerAdmin() override;
  EmqxBrokerAdmin(const EmqxBrokerAdmin&) = delete;
  EmqxBrokerAdmin& operator=(const EmqxBrokerAdmin&) = delete;

  // BrokerNotifier
  void KickClient(std::string clientid) override;
  void ClearAuthzCache() override;

  // Drains the queue (bounded by drain_timeout_ms) and joins the worker. Idempotent;
  // requests made afterwards are dropped.
  void Stop();

  // For tests and status pages.
  std::uint64_t calls(CallKind kind, Outcome outcome) const;
  std::uint64_t retries(CallKind kind) const;
  std::size_t pending() const;  // queued or in flight

 private:
  struct Call {
    CallKind kind;
    std::string clientid;  // kKickClient only
    int failed_attempts = 0;
    std::chrono::steady_clock::time_point not_before{};
  };

  EmqxBrokerAdmin(BrokerAdminOptions options, Metrics* metrics);
  void Enqueue(Call call);
  void Run();
  // One HTTP attempt; the HTTP status, or empty (and `error`) when no answer arrived.
  std::optional<int> Send(const Call& call, std::string* error);
  // Books the verdict on an attempt; returns the call when it must be retried.
  std::optional<Call> Settle(Call call, std::optional<int> status, const std::string& error);
  void Count(CallKind kind, Outcome outcome);
  std::string Describe(const Call& call) const;  // for logs

  const BrokerAdminOptions options_;
  std::unique_ptr<Metrics> own_metrics_;
  Metrics* const metrics_;
  std::array<std::array<Counter*, kOutcomeCount>, 2> calls_{};
  std::array<Counter*, 2> retries_{};
  Gauge* queue_gauge_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Call> queue_ ABSL_GUARDED_BY(mu_);
  std::size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point drain_deadline_ ABSL_GUARDED_BY(mu_);
  std::mutex join_mu_;  // serializes concurrent Stop() calls around join()
  std::thread worker_;
};

}  // namespace iothub::emqx
