#include "store/postgres_change_listener.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace iothub::store {

PgChangeListener::PgChangeListener(std::string url, std::function<bool(int)> ignore)
    : conn_(std::move(url)), ignore_(std::move(ignore)) {}

PgChangeListener::~PgChangeListener() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::Status PgChangeListener::Start() {
  absl::Status subscribed = Subscribe();
  thread_ = std::thread([this] { Run(); });
  return subscribed;
}

absl::Status PgChangeListener::Subscribe() {
  if (absl::Status s = conn_.ExecScript("LISTEN iothub_registry"); !s.ok()) return s;
  ++version_;  // whatever happened while we were not listening
  return PollSequence();
}

absl::Status PgChangeListener::PollSequence() {
  absl::StatusOr<PgResult> r = conn_.Exec("SELECT last_value FROM registry_changes");
  if (!r.ok()) return r.status();
  absl::StatusOr<std::int64_t> value = r->Int64(0, 0);
  if (!value.ok()) return value.status();
  if (last_sequence_ && *last_sequence_ != *value) ++version_;
  last_sequence_ = *value;
  return absl::OkStatus();
}

bool PgChangeListener::SleepUnlessStopped(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  return !wake_.wait_for(lock, delay, [this] { return stop_; });
}

void PgChangeListener::Run() {
  // Waits are sliced so that a stop request is seen within this time.
  constexpr std::chrono::milliseconds kSlice{200};
  auto next_poll = std::chrono::steady_clock::now() + kFallbackPoll;
  bool was_down = !conn_.connected();
  while (SleepUnlessStopped(std::chrono::milliseconds(0))) {
    if (!conn_.connected()) {
      if (absl::Status s = Subscribe(); !s.ok()) {
        if (!was_down) spdlog::warn("registry change listener lost PostgreSQL: {}", s.ToString());
        was_down = true;
        conn_.Drop();
        if (!SleepUnlessStopped(kReconnectDelay)) return;
        continue;
      }
      if (was_down) spdlog::info("registry change listener connected to PostgreSQL");
      was_down = false;
    }
    absl::Status waited = conn_.WaitForNotifications(kSlice, [this](int pid) {
      if (!ignore_(pid)) ++version_;
    });
    if (waited.ok() && std::chrono::steady_clock::now() >= next_poll) {
      waited = PollSequence();
      next_poll = std::chrono::steady_clock::now() + kFallbackPoll;
    }
    if (!waited.ok()) {
      spdlog::warn("registry change listener lost PostgreSQL: {}", waited.ToString());
      was_down = true;
      conn_.Drop();
    }
  }
}

}  // namespace iothub::store
