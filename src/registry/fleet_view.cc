#include "registry/fleet_view.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace iothub::registry {

FleetView::FleetView(store::Store& store, std::chrono::milliseconds poll_interval)
    : store_(store), poll_interval_(poll_interval) {}

FleetView::~FleetView() { Stop(); }

absl::Status FleetView::Reload() {
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> loaded = store_.LoadFleet();
  if (!loaded.ok()) {
    ++reload_failures_;
    if (consecutive_failures_++ == 0) {
      spdlog::error("fleet snapshot reload failed, keeping the previous one: {}",
                    loaded.status().ToString());
    } else {
      spdlog::debug("fleet snapshot reload failed again: {}", loaded.status().ToString());
    }
    return loaded.status();
  }
  cell_.Store(std::shared_ptr<const FleetSnapshot>(*std::move(loaded)));
  ++reloads_;
  if (const std::uint64_t failed = consecutive_failures_.exchange(0); failed > 0) {
    spdlog::info("fleet snapshot reloaded after {} failed attempt(s)", failed);
  }
  return absl::OkStatus();
}

absl::Status FleetView::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("FleetView already started");
  // Read the version before loading: a commit that lands in between is seen again at
  // the next poll (one extra reload) rather than missed.
  const std::optional<std::int64_t> version = ReadDataVersion();
  if (absl::Status status = Reload(); !status.ok()) return status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
    notified_ = false;
  }
  thread_ = std::thread([this, version] {
    last_version_ = version;
    Run();
  });
  return absl::OkStatus();
}

void FleetView::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FleetView::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  wake_.notify_all();
}

std::optional<std::int64_t> FleetView::ReadDataVersion() {
  absl::StatusOr<std::int64_t> version = store_.DataVersion();
  if (!version.ok()) {
    spdlog::warn("cannot read the store's data version: {}", version.status().ToString());
    return std::nullopt;
  }
  return *version;
}

void FleetView::Run() {
  // After a failed reload: when to try again, and the interval that doubles per failure.
  std::chrono::milliseconds retry_interval{0};  // 0: the last reload succeeded
  auto next_retry = std::chrono::steady_clock::time_point::max();
  while (true) {
    bool notified = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, poll_interval_, [this] { return stop_ || notified_; });
      if (stop_) return;
      notified = notified_;
      notified_ = false;
    }
    const std::optional<std::int64_t> version = ReadDataVersion();
    const bool changed = version.has_value() && version != last_version_;
    const bool retry_due =
        retry_interval.count() > 0 && std::chrono::steady_clock::now() >= next_retry;
    if (!notified && !changed && !retry_due) continue;
    // The version is taken before the load, so a commit during the load triggers
    // one more reload at the next poll instead of being missed.
    if (version) last_version_ = version;
    if (Reload().ok()) {
      retry_interval = std::chrono::milliseconds(0);
      continue;
    }
    retry_interval =
        retry_interval.count() == 0
            ? poll_interval_
            : std::min(retry_interval * 2, std::max(kMaxRetryInterval, poll_interval_));
    next_retry = std::chrono::steady_clock::now() + retry_interval;
  }
}

}  // namespace iothub::registry
