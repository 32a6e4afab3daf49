#include "registry/fleet_view.h"

#include <spdlog/spdlog.h>

namespace iothub::registry {

FleetView::FleetView(store::Store& store, std::chrono::milliseconds poll_interval)
    : store_(store), poll_interval_(poll_interval) {}

FleetView::~FleetView() { Stop(); }

absl::Status FleetView::Reload() {
  absl::StatusOr<std::shared_ptr<FleetSnapshot>> loaded = store_.LoadFleet();
  if (!loaded.ok()) {
    ++reload_failures_;
    spdlog::error("fleet snapshot reload failed, keeping the previous one: {}",
                  loaded.status().ToString());
    return loaded.status();
  }
  cell_.Store(std::shared_ptr<const FleetSnapshot>(*std::move(loaded)));
  ++reloads_;
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
  bool retry = false;  // the last reload failed: try again at the next poll
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
    if (!notified && !changed && !retry) continue;
    // The version is taken before the load, so a commit during the load triggers
    // one more reload at the next poll instead of being missed.
    if (version) last_version_ = version;
    retry = !Reload().ok();
  }
}

}  // namespace iothub::registry
