#include "emqx/emqx_broker_admin.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/printable.h"
#include "emqx/percent_encode.h"

namespace iothub::emqx {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kCallsMetric = "iothub_emqx_api_calls_total";
constexpr std::string_view kCallsHelp = "Requests to EMQX's REST API, by call and how they ended";
constexpr std::string_view kRetriesMetric = "iothub_emqx_api_retries_total";
constexpr std::string_view kRetriesHelp = "Failed attempts on EMQX's REST API that were retried";

std::size_t Index(CallKind kind) { return kind == CallKind::kKickClient ? 0 : 1; }

}  // namespace

std::string_view EmqxBrokerAdmin::OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kNotConnected:
      return "not_connected";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kUnauthorized:
      return "unauthorized";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kCoalesced:
      return "coalesced";
    case Outcome::kDropped:
      return "dropped";
    case Outcome::kAbandoned:
      return "abandoned";
    case Outcome::kInvalid:
      return "invalid";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<EmqxBrokerAdmin>> EmqxBrokerAdmin::Create(BrokerAdminOptions options,
                                                                         Metrics* metrics) {
  if (options.api_url.empty()) return absl::InvalidArgumentError("emqx api_url is empty");
  if (absl::Status status = ValidateBrokerAdminOptions(options); !status.ok()) return status;
  std::unique_ptr<EmqxBrokerAdmin> admin(new EmqxBrokerAdmin(std::move(options), metrics));
  admin->worker_ = std::thread([raw = admin.get()] { raw->Run(); });
  spdlog::info("emqx api: {} (changes kick clients and clear the authz cache)",
               admin->options_.api_url);
  return admin;
}

EmqxBrokerAdmin::EmqxBrokerAdmin(BrokerAdminOptions options, Metrics* metrics)
    : options_(std::move(options)),
      own_metrics_(metrics == nullptr ? std::make_unique<Metrics>() : nullptr),
      metrics_(metrics == nullptr ? own_metrics_.get() : metrics) {
  for (CallKind kind : {CallKind::kKickClient, CallKind::kClearAuthzCache}) {
    const std::string call(CallKindName(kind));
    for (int i = 0; i < kOutcomeCount; ++i) {
      const std::string outcome(OutcomeName(static_cast<Outcome>(i)));
      calls_[Index(kind)][i] =
          &metrics_->GetCounter(kCallsMetric, kCallsHelp, {{"call", call}, {"outcome", outcome}});
    }
    retries_[Index(kind)] = &metrics_->GetCounter(kRetriesMetric, kRetriesHelp, {{"call", call}});
  }
  queue_gauge_ =
      &metrics_->GetGauge("iothub_emqx_api_queue", "Calls to EMQX's REST API waiting or in flight");
}

EmqxBrokerAdmin::~EmqxBrokerAdmin() { Stop(); }

void EmqxBrokerAdmin::KickClient(std::string clientid) {
  if (clientid.empty()) {
    Count(CallKind::kKickClient, Outcome::kInvalid);
    spdlog::warn("emqx api: kick_client ignored: empty clientid");
    return;
  }
  Enqueue(Call{CallKind::kKickClient, std::move(clientid)});
}

void EmqxBrokerAdmin::ClearAuthzCache() { Enqueue(Call{CallKind::kClearAuthzCache, {}}); }

void EmqxBrokerAdmin::Enqueue(Call call) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    lock.unlock();
    Count(call.kind, Outcome::kDropped);
    spdlog::warn("emqx api: {} dropped: stopping", Describe(call));
    return;
  }
  const auto same = std::find_if(queue_.begin(), queue_.end(), [&](const Call& queued) {
    return queued.kind == call.kind && queued.clientid == call.clientid;
  });
  if (same != queue_.end()) {
    same->failed_attempts = 0;  // the newer request deserves every attempt
    lock.unlock();
    Count(call.kind, Outcome::kCoalesced);
    return;
  }
  if (queue_.size() >= options_.max_queue) {
    lock.unlock();
    Count(call.kind, Outcome::kDropped);
    spdlog::warn("emqx api: {} dropped: {} calls already queued", Describe(call),
                 options_.max_queue);
    return;
  }
  queue_.push_back(std::move(call));
  queue_gauge_->Add(1);
  lock.unlock();
  wake_.notify_one();
}

void EmqxBrokerAdmin::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = Clock::now() + std::chrono::milliseconds(options_.drain_timeout_ms);
    }
  }
  wake_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (worker_.joinable()) worker_.join();
}

void EmqxBrokerAdmin::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const auto now = Clock::now();
    if (stopping_ && (queue_.empty() || now >= drain_deadline_)) break;
    // The oldest call whose backoff has passed; else the earliest time one will be ready.
    auto ready = queue_.end();
    auto next = Clock::time_point::max();
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->not_before <= now) {
        ready = it;
        break;
      }
      next = std::min(next, it->not_before);
    }
    if (ready == queue_.end()) {
      if (stopping_) next = std::min(next, drain_deadline_);
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
      continue;
    }
    Call call = std::move(*ready);
    queue_.erase(ready);
    ++in_flight_;
    lock.unlock();

    std::string error;
    const std::optional<int> status = Send(call, &error);
    std::optional<Call> retry = Settle(std::move(call), status, error);

    lock.lock();
    --in_flight_;
    if (retry) {
      queue_.push_back(*std::move(retry));
    } else {
      queue_gauge_->Add(-1);
    }
  }
  // Past the drain deadline: what is left is abandoned.
  const std::deque<Call> left = std::move(queue_);
  queue_.clear();
  lock.unlock();
  for (const Call& call : left) {
    Count(call.kind, Outcome::kAbandoned);
    queue_gauge_->Add(-1);
  }
  if (!left.empty()) {
    spdlog::warn("emqx api: stopped with {} calls not sent (drain deadline {} ms)", left.size(),
                 options_.drain_timeout_ms);
  }
}

std::optional<int> EmqxBrokerAdmin::Send(const Call& call, std::string* error) {
  // One client per attempt: the calls are rare, and a fresh connection never meets a
  // keep-alive socket the broker already closed.
  const ApiEndpoint endpoint = SplitApiUrl(options_.api_url);
  httplib::Client client(endpoint.scheme_host_port);
  if (!client.is_valid()) {
    *error = "invalid api_url";
    return std::nullopt;
  }
  const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_basic_auth(options_.api_key, options_.api_secret);
  client.set_url_encode(false);  // the path is encoded already
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  client.enable_server_certificate_verification(true);
  if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file.c_str());
#endif
  const std::string path =
      endpoint.path_prefix + (call.kind == CallKind::kKickClient
                                  ? "/api/v5/clients/" + PercentEncodePathSegment(call.clientid)
                                  : std::string("/api/v5/authorization/cache"));
  const auto result = client.Delete(path, httplib::Headers{{"Accept", "application/json"}});
  if (!result) {
    *error = httplib::to_string(result.error());
    return std::nullopt;
  }
  return result->status;
}

std::optional<EmqxBrokerAdmin::Call> EmqxBrokerAdmin::Settle(Call call, std::optional<int> status,
                                                             const std::string& error) {
  const std::string why = status ? "HTTP " + std::to_string(*status) : error;
  switch (Classify(call.kind, status)) {
    case Verdict::kDone:
      Count(call.kind, Outcome::kOk);
      spdlog::debug("emqx api: {} done", Describe(call));
      return std::nullopt;
    case Verdict::kNotConnected:
      Count(call.kind, Outcome::kNotConnected);
      spdlog::debug("emqx api: {}: not connected", Describe(call));
      return std::nullopt;
    case Verdict::kUnauthorized:
      Count(call.kind, Outcome::kUnauthorized);
      spdlog::error(
          "emqx api: {} refused with {}: check the emqx api_key/api_secret and the key's "
          "role (configuration error, not retried)",
          Describe(call), why);
      return std::nullopt;
    case Verdict::kRejected:
      Count(call.kind, Outcome::kRejected);
      spdlog::error("emqx api: {} rejected with {} (check api_url; not retried)", Describe(call),
                    why);
      return std::nullopt;
    case Verdict::kRetry:
      break;
  }
  ++call.failed_attempts;
  if (call.failed_attempts >= options_.max_attempts) {
    Count(call.kind, Outcome::kFailed);
    spdlog::error("emqx api: {} gave up after {} attempts: {}", Describe(call),
                  call.failed_attempts, why);
    return std::nullopt;
  }
  const auto wait = BackoffAfter(call.failed_attempts, options_);
  retries_[Index(call.kind)]->Increment();
  spdlog::warn("emqx api: {} attempt {}/{} failed: {}; retrying in {} ms", Describe(call),
               call.failed_attempts, options_.max_attempts, why, wait.count());
  call.not_before = Clock::now() + wait;
  return call;
}

void EmqxBrokerAdmin::Count(CallKind kind, Outcome outcome) {
  calls_[Index(kind)][static_cast<int>(outcome)]->Increment();
}

std::string EmqxBrokerAdmin::Describe(const Call& call) const {
  if (call.kind == CallKind::kClearAuthzCache) return "clear_authz_cache";
  return "kick_client clientid=" + Printable(call.clientid);
}

std::uint64_t EmqxBrokerAdmin::calls(CallKind kind, Outcome outcome) const {
  return calls_[Index(kind)][static_cast<int>(outcome)]->value();
}

std::uint64_t EmqxBrokerAdmin::retries(CallKind kind) const {
  return retries_[Index(kind)]->value();
}

std::size_t EmqxBrokerAdmin::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + in_flight_;
}

}  // namespace iothub::emqx
