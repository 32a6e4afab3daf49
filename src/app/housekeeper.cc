#include "app/housekeeper.h"

#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "model/certificate_expiry.h"
#include "model/fleet_changes.h"

namespace iothub::app {
namespace {

constexpr auto kTick = std::chrono::milliseconds(200);
constexpr auto kFlushEvery = std::chrono::seconds(5);
// How long a rule change is given to be in force on every hub (each reloads within a
// tick or two of the commit) before EMQX's authorization cache is cleared: a cache
// cleared earlier could fill again from a hub still on the old rules.
constexpr auto kRuleSettle = std::chrono::seconds(1);
constexpr auto kCountExpiryEvery = std::chrono::seconds(60);

}  // namespace

void Housekeeper::Start() {
  last_fleet_ = parts_.fleet.snapshot();
  rules_version_ = parts_.acl_rules.version();
  next_flush_ = std::chrono::steady_clock::now() + kFlushEvery;
  // Shared state reached once before the servers start, so that /api/health is right
  // from the first request.
  MaintainSharedState();
  UpdateExpiryGauges();
  if (parts_.certificates != nullptr) parts_.certificates->Tick();
  thread_ = std::thread([this] { Run(); });
}

void Housekeeper::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (parts_.persister != nullptr) parts_.persister->Flush();
  FlushLastSeen();
  parts_.log_throttle.Flush();
}

void Housekeeper::Run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kTick, [this] { return stop_; })) {
    lock.unlock();
    MaintainSharedState();
    SweepTimeouts();
    NotifyFleetChanges();
    FollowAclRules();
    if (std::chrono::steady_clock::now() >= next_expiry_count_) UpdateExpiryGauges();
    parts_.log_throttle.Tick();
    if (parts_.certificates != nullptr) parts_.certificates->Tick();
    if (parts_.persister != nullptr) parts_.persister->Flush();
    if (std::chrono::steady_clock::now() >= next_flush_) {
      FlushLastSeen();
      next_flush_ = std::chrono::steady_clock::now() + kFlushEvery;
    }
    lock.lock();
  }
}

void Housekeeper::SweepTimeouts() {
  auto notices = parts_.rpc.SweepTimeouts(parts_.clock.SteadyNow(), parts_.clock.NowUnixMillis());
  if (!notices.ok()) {
    // The shared state is down (reported by /api/health and /metrics); the requests stay
    // there and are claimed by the first sweep after it returns. Logged once per streak.
    if (!sweep_failing_) spdlog::warn("cannot sweep RPC timeouts: {}", notices.status().ToString());
    sweep_failing_ = true;
    return;
  }
  sweep_failing_ = false;
  for (const rpc::TimeoutNotice& notice : *notices) {
    if (parts_.commands == nullptr) {
      spdlog::info("rpc request {} to device {} timed out (no broker link to tell {})",
                   Printable(notice.request_id), notice.device_id,
                   Printable(notice.requester_clientid));
      continue;
    }
    if (absl::Status status = parts_.commands->PublishTimeout(notice); !status.ok()) {
      spdlog::warn("could not publish the timeout of rpc request {}: {}",
                   Printable(notice.request_id), status.ToString());
    }
  }
}

void Housekeeper::MaintainSharedState() {
  if (parts_.shared_state == nullptr) return;
  absl::Status status = parts_.shared_state->Maintain(parts_.presence);
  if (status.ok() && parts_.shared_sessions != nullptr) {
    status = parts_.shared_sessions->ReplayUnrecorded();
  }
  if (!status.ok() && !maintain_failing_) {
    spdlog::warn("shared state (redis) unavailable: {}", status.ToString());
  } else if (status.ok() && maintain_failing_) {
    spdlog::info("shared state (redis) available again");
  }
  maintain_failing_ = !status.ok();
}

void Housekeeper::NotifyFleetChanges() {
  auto current = parts_.fleet.snapshot();
  if (current == last_fleet_) return;
  const FleetChanges changes = DiffFleets(*last_fleet_, *current);
  last_fleet_ = std::move(current);
  UpdateExpiryGauges();
  for (const std::string& device : changes.revoked_devices) {
    spdlog::info("device {} revoked: disconnecting its live session", device);
    parts_.broker.KickClient(device);
  }
  for (const std::string& device : changes.certificate_changed) {
    spdlog::info("device {} certificate revoked or replaced: disconnecting its live session",
                 device);
    parts_.broker.KickClient(device);
  }
  if (changes.access_changed) parts_.broker.ClearAuthzCache();
}

void Housekeeper::FollowAclRules() {
  parts_.acl_rules.Refresh();
  const auto now = std::chrono::steady_clock::now();
  if (const std::int64_t version = parts_.acl_rules.version(); version != rules_version_) {
    rules_version_ = version;
    rules_changed_at_ = now;  // a later change restarts the wait: one clear per batch
  }
  if (!rules_changed_at_ || now - *rules_changed_at_ < kRuleSettle) return;
  absl::StatusOr<bool> claimed = parts_.store.ClaimAclCacheClear(rules_version_);
  if (!claimed.ok()) {
    spdlog::warn("cannot claim the authorization cache clear of access rules version {}: {}",
                 rules_version_, claimed.status().ToString());
    rules_changed_at_ = now;  // try again after another settle period
    return;
  }
  rules_changed_at_.reset();
  if (!*claimed) return;  // another hub (or an earlier claim) clears it
  spdlog::info("access rules version {} in force: clearing the broker's authorization cache",
               rules_version_);
  parts_.broker.ClearAuthzCache();
}

void Housekeeper::UpdateExpiryGauges() {
  next_expiry_count_ = std::chrono::steady_clock::now() + kCountExpiryEvery;
  if (parts_.metrics == nullptr) return;
  const ExpiringCertificates counts =
      CountExpiringCertificates(*parts_.fleet.snapshot(), parts_.clock.NowUnixMillis());
  constexpr std::string_view kHelp =
      "Devices whose current certificate expires within the days (or has expired)";
  parts_.metrics->GetGauge("iothub_certificates_expiring", kHelp, {{"within_days", "7"}})
      .Set(counts.within_7_days);
  parts_.metrics->GetGauge("iothub_certificates_expiring", kHelp, {{"within_days", "30"}})
      .Set(counts.within_30_days);
}

void Housekeeper::FlushLastSeen() {
  const auto seen = parts_.presence.DrainLastSeen();
  if (seen.empty()) return;
  std::vector<store::LastSeen> batch;
  batch.reserve(seen.size());
  for (const auto& [device, at] : seen) batch.push_back({device, at});
  if (absl::Status status = parts_.store.TouchLastSeen(batch); !status.ok()) {
    spdlog::warn("could not store last-seen times of {} devices: {}", batch.size(),
                 status.ToString());
  }
}

}  // namespace iothub::app
