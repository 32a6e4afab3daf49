#include "app/state_persister.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "auth/session_record.h"
#include "common/printable.h"
#include "rpc/pending_record.h"

namespace iothub::app {
namespace {

constexpr std::string_view kSessions = "sessions";
constexpr std::string_view kPending = "pending_rpc";

// Whether a journaled session may be put back: its principal must still be admissible
// as far as the registry tells (the broker kept the client connected while the hub was
// away, so nothing else re-checks it). The hub's own link is never put back: its
// connection ended with the process that opened it.
bool StillValid(const Principal& principal, const FleetSnapshot& fleet) {
  if (principal.hub_link) return false;
  switch (principal.kind) {
    case PrincipalKind::kDevice: {
      const DeviceRecord* device = fleet.FindDevice(principal.id);
      return device != nullptr && device->status != DeviceStatus::kRevoked &&
             device->has_certificate;
    }
    case PrincipalKind::kUser:
    case PrincipalKind::kAdmin:
      return fleet.FindUser(principal.id) != nullptr;
    case PrincipalKind::kService:
      return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<RestoreCounts> StatePersister::Restore() {
  RestoreCounts counts;
  const auto fleet = parts_.fleet.snapshot();
  const UnixMillis now_ms = parts_.clock.NowUnixMillis();
  const rpc::SteadyTime now = parts_.clock.SteadyNow();

  using Entries = std::vector<std::pair<std::string, std::string>>;
  absl::StatusOr<Entries> sessions = Entries{};
  if (parts_.sessions != nullptr) sessions = parts_.journal.Load(kSessions);
  if (!sessions.ok()) return sessions.status();
  for (const auto& [clientid, value] : *sessions) {
    absl::StatusOr<auth::SessionState> session = auth::DecodeSession(value);
    if (!session.ok() || !StillValid(*session->principal, *fleet)) {
      ++counts.sessions_dropped;
      sessions_[clientid] = std::nullopt;  // erased at the next flush
      continue;
    }
    // Put back as one carried-over connection (auth/session_table.h), online if a device.
    parts_.sessions->Restore(clientid, *session);
    if (session->principal->kind == PrincipalKind::kDevice) {
      parts_.presence.OnConnected(session->principal->id, now_ms);
    }
    ++counts.sessions;
  }

  auto pending = parts_.journal.Load(kPending);
  if (!pending.ok()) return pending.status();
  for (const auto& [key, value] : *pending) {
    absl::StatusOr<rpc::PendingRequest> request =
        rpc::DecodePendingRequest(key, value, now, now_ms);
    if (!request.ok() || parts_.rpc.RestorePending(*request) != rpc::InsertResult::kOk) {
      ++counts.pending_dropped;
      pending_[key] = std::nullopt;
      continue;
    }
    ++counts.pending;
  }
  // Restoring marked every request as changed: drain those marks, they are on disk.
  parts_.rpc.DrainPendingChanges();
  if (parts_.sessions != nullptr) parts_.sessions->DrainChanges();
  return counts;
}

void StatePersister::Flush() {
  DrainSessions();
  DrainPending();
  Write(kSessions, sessions_);
  Write(kPending, pending_);
}

void StatePersister::DrainSessions() {
  if (parts_.sessions == nullptr) return;
  for (auth::SessionChange& change : parts_.sessions->DrainChanges()) {
    sessions_[std::move(change.clientid)] =
        change.state ? std::optional(auth::EncodeSession(*change.state)) : std::nullopt;
  }
}

void StatePersister::DrainPending() {
  const rpc::SteadyTime now = parts_.clock.SteadyNow();
  const UnixMillis now_ms = parts_.clock.NowUnixMillis();
  for (const rpc::PendingChange& change : parts_.rpc.DrainPendingChanges()) {
    pending_[rpc::PendingKey(change.device_id, change.request_id)] =
        change.pending ? std::optional(rpc::EncodePendingRequest(*change.pending, now, now_ms))
                       : std::nullopt;
  }
}

void StatePersister::Write(std::string_view kind, Unflushed& changes) {
  if (changes.empty()) return;
  std::vector<store::JournalChange> batch;
  batch.reserve(changes.size());
  for (const auto& [key, value] : changes) batch.push_back({key, value});
  if (absl::Status status = parts_.journal.Apply(kind, batch); !status.ok()) {
    if (!failing_) {  // once per failure streak, not every tick
      spdlog::warn("cannot write {} {} changes to the state journal (kept, retried every tick): {}",
                   batch.size(), kind, status.ToString());
    }
    failing_ = true;
    return;
  }
  if (failing_) spdlog::info("the state journal is written again");
  failing_ = false;
  changes.clear();
}

}  // namespace iothub::app
