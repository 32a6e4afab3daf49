// RenewalWorker: certificate renewal over MQTT (docs/certificates.md), with the hook path
// kept bounded and off the disk. The message.publish hook hands a device's request to
// Submit, which checks in memory who sent it, its size and the device's rate, and
// queues it (a bounded queue: when full the request is dropped, counted, unanswered);
// the worker thread parses it, renews through registry::CertificateRenewal (vetting,
// key reuse, signing, the store write and its audit row) and publishes the answer on
// devices/{id}/cert/renew/reply through the hub's broker link. The same thread ends
// renewal graces: a device's when it first logs in with its renewed certificate
// (OnSuccessorLogin, from the authenticate hook), and every grace that ran out (a sweep
// every few seconds).
// Thread-safety: Submit and OnSuccessorLogin from any thread; Start/Stop from the owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "app/renewal_limiter.h"
#include "common/clock.h"
#include "common/log_throttle.h"
#include "common/metrics.h"
#include "model/principal.h"
#include "model/renewal_message.h"
#include "mqtt/message_link.h"
#include "registry/certificate_renewal.h"

namespace iothub::app {

struct RenewalOptions {
  int days = 365;  // validity of renewed certificates ([ca] default_days)
  std::chrono::seconds grace{7 * 24 * 3600};  // [ca] renewal_grace_s
  std::chrono::seconds min_interval{300};     // [ca] renewal_min_interval_s, per device
  std::size_t queue_capacity = 64;
  std::chrono::milliseconds sweep_every{5000};  // how often ended graces are superseded
};

class RenewalWorker {
 public:
  // `link` may be null (no [mqtt] link): requests are then dropped, as nobody could
  // answer them. Everything referenced must outlive the worker.
  RenewalWorker(registry::CertificateRenewal& renewal, mqtt::MessageLink* link, Metrics& metrics,
                LogThrottle& log_throttle, const Clock& clock, RenewalOptions options);
  ~RenewalWorker() { Stop(); }
  RenewalWorker(const RenewalWorker&) = delete;
  RenewalWorker& operator=(const RenewalWorker&) = delete;

  void Start();
  void Stop();

  // The hook's part of a publish on devices/{topic_device}/cert/renew. Returns "queued"
  // when the worker will answer, or why the request was dropped unanswered:
  // "renewal_not_own_topic" (the publisher is not that device), "renewal_too_large",
  // "renewal_busy" (queue full), "renewal_no_link".
  std::string_view Submit(const Principal* publisher, std::string_view topic_device,
                          std::string_view payload);

  // The device logged in with its current certificate while an older one was in grace.
  void OnSuccessorLogin(std::string_view device_id);

 private:
  struct Job {
    std::string device_id;
    std::string renewing_fingerprint;
    std::string payload;
    bool rate_limited = false;
  };

  void Run();
  void Handle(const Job& job);
  void EndGraces(const std::unordered_set<std::string>& devices);
  void SweepGraces();
  void Answer(const Job& job, std::string_view payload, std::string_view outcome);
  void Refuse(const Job& job, std::optional<std::string_view> id, RenewError error,
              std::string_view message);
  Counter& Outcome(std::string_view outcome);

  registry::CertificateRenewal& renewal_;
  mqtt::MessageLink* const link_;
  Metrics& metrics_;
  LogThrottle& log_throttle_;
  const Clock& clock_;
  const RenewalOptions options_;
  RenewalLimiter limiter_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::unordered_set<std::string> successor_logins_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace iothub::app
