#include "app/renewal_worker.h"

#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "model/renewal_topic.h"

namespace iothub::app {
namespace {

constexpr std::string_view kOutcomeHelp = "Certificate renewal requests over MQTT by outcome";

// The reply's error for a status of CertificateRenewal::Renew.
RenewError ErrorFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return RenewError::kCsrInvalid;
    case absl::StatusCode::kAlreadyExists:
      return RenewError::kKeyReused;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return RenewError::kNotRenewable;
    default:
      return RenewError::kInternal;
  }
}

}  // namespace

RenewalWorker::RenewalWorker(registry::CertificateRenewal& renewal, mqtt::MessageLink* link,
                             Metrics& metrics, LogThrottle& log_throttle, const Clock& clock,
                             RenewalOptions options)
    : renewal_(renewal),
      link_(link),
      metrics_(metrics),
      log_throttle_(log_throttle),
      clock_(clock),
      options_(options),
      limiter_(options.min_interval) {}

Counter& RenewalWorker::Outcome(std::string_view outcome) {
  return metrics_.GetCounter("iothub_certificate_renewals_total", kOutcomeHelp,
                             {{"outcome", std::string(outcome)}});
}

void RenewalWorker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RenewalWorker::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string_view RenewalWorker::Submit(const Principal* publisher, std::string_view topic_device,
                                       std::string_view payload) {
  std::string_view dropped;
  if (publisher == nullptr || publisher->kind != PrincipalKind::kDevice ||
      publisher->id != topic_device) {
    dropped = "renewal_not_own_topic";  // the ACL allows no one else: a broker without it
  } else if (payload.size() > kMaxRenewRequestBytes) {
    dropped = "renewal_too_large";
  } else if (link_ == nullptr) {
    dropped = "renewal_no_link";
  }
  if (dropped.empty()) {
    Job job{.device_id = publisher->id,
            .renewing_fingerprint = publisher->certificate_fingerprint,
            .payload = std::string(payload),
            .rate_limited = !limiter_.TryAcquire(publisher->id, clock_.SteadyNow())};
    std::lock_guard lock(mutex_);
    if (jobs_.size() >= options_.queue_capacity) {
      dropped = "renewal_busy";
    } else {
      jobs_.push_back(std::move(job));
    }
  }
  if (!dropped.empty()) {
    Outcome(dropped).Increment();
    return dropped;
  }
  wake_.notify_one();
  return "queued";
}

void RenewalWorker::OnSuccessorLogin(std::string_view device_id) {
  {
    std::lock_guard lock(mutex_);
    successor_logins_.emplace(device_id);
  }
  wake_.notify_one();
}

void RenewalWorker::Run() {
  auto next_sweep = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_until(lock, next_sweep,
                     [this] { return stop_ || !jobs_.empty() || !successor_logins_.empty(); });
    if (stop_) break;
    std::deque<Job> jobs = std::exchange(jobs_, {});
    std::unordered_set<std::string> logins = std::exchange(successor_logins_, {});
    lock.unlock();
    for (const Job& job : jobs) Handle(job);
    EndGraces(logins);
    if (std::chrono::steady_clock::now() >= next_sweep) {
      SweepGraces();
      next_sweep = std::chrono::steady_clock::now() + options_.sweep_every;
    }
    lock.lock();
  }
}

void RenewalWorker::Handle(const Job& job) {
  absl::StatusOr<RenewRequest> request = ParseRenewRequest(job.payload);
  if (!request.ok()) {
    Refuse(job, std::nullopt, RenewError::kBadRequest, std::string(request.status().message()));
    return;
  }
  if (job.rate_limited) {
    Refuse(job, request->id, RenewError::kRateLimited,
           "at most one renewal per " + std::to_string(options_.min_interval.count()) +
               " s per device");
    return;
  }
  absl::StatusOr<registry::Renewed> renewed =
      renewal_.Renew({.device_id = job.device_id,
                      .renewing_fingerprint = job.renewing_fingerprint,
                      .csr_pem = std::move(request->csr),
                      .days = options_.days,
                      .grace = options_.grace},
                     "device:" + job.device_id);
  if (!renewed.ok()) {
    const RenewError error = ErrorFor(renewed.status());
    // Internal details stay in the hub's log; the device learns the class of failure.
    if (error == RenewError::kInternal) {
      spdlog::warn("certificate renewal of device {} failed: {}", job.device_id,
                   renewed.status().ToString());
    }
    Refuse(job, request->id, error,
           error == RenewError::kInternal ? std::string("internal error")
                                          : std::string(renewed.status().message()));
    return;
  }
  const Certificate& certificate = renewed->certificate;
  spdlog::info(
      "device {} renewed its certificate: {} (the old one, {}, works until the device "
      "connects with the new one, or for {} s)",
      job.device_id, certificate.fingerprint, renewed->renewed_fingerprint, options_.grace.count());
  Answer(job,
         FormatRenewResult(request->id, {.certificate_pem = certificate.client_cert_pem,
                                         .ca_certificate_pem = certificate.ca_cert_pem,
                                         .fingerprint = certificate.fingerprint,
                                         .serial_number = certificate.serial_number,
                                         .valid_from = certificate.valid_from,
                                         .valid_to = certificate.valid_to,
                                         .grace_until = renewed->grace_until}),
         "renewed");
}

void RenewalWorker::Refuse(const Job& job, std::optional<std::string_view> id, RenewError error,
                           std::string_view message) {
  const auto level =
      log_throttle_.Record(LogEvent::kPublishAnswered, ToString(error), job.device_id);
  if (spdlog::should_log(level)) {
    spdlog::log(level, "certificate renewal refused: device={} reason={} ({})", job.device_id,
                ToString(error), Printable(message));
  }
  Answer(job, FormatRenewError(id, error, message), ToString(error));
}

void RenewalWorker::Answer(const Job& job, std::string_view payload, std::string_view outcome) {
  Outcome(outcome).Increment();
  if (absl::Status status = link_->Publish(RenewReplyTopic(job.device_id), payload, 1);
      !status.ok()) {
    spdlog::warn("could not publish the renewal answer to device {}: {}", job.device_id,
                 status.ToString());
  }
}

void RenewalWorker::EndGraces(const std::unordered_set<std::string>& devices) {
  for (const std::string& device : devices) {
    absl::StatusOr<std::int64_t> ended = renewal_.EndGrace(device);
    if (!ended.ok()) {
      spdlog::warn("could not supersede the certificate in grace of device {}: {}", device,
                   ended.status().ToString());
    } else if (*ended > 0) {
      spdlog::info("device {} connected with its renewed certificate: the old one is superseded",
                   device);
    }
  }
}

void RenewalWorker::SweepGraces() {
  absl::StatusOr<std::int64_t> ended = renewal_.EndExpiredGraces();
  if (!ended.ok()) {
    spdlog::warn("could not supersede certificates whose grace ended: {}",
                 ended.status().ToString());
  } else if (*ended > 0) {
    spdlog::info("{} certificates superseded: their renewal grace ended", *ended);
  }
}

}  // namespace iothub::app
