#include "auth/session_table.h"

namespace iothub::auth {
namespace {

// Users and admins are one kind of identity: the role may change between logins.
bool IsPerson(PrincipalKind kind) {
  return kind == PrincipalKind::kUser || kind == PrincipalKind::kAdmin;
}

}  // namespace

bool SameHolder(const Principal& a, const Principal& b) {
  if (a.hub_link != b.hub_link || a.broker_bridge != b.broker_bridge || a.id != b.id) {
    return false;
  }
  return a.kind == b.kind || (IsPerson(a.kind) && IsPerson(b.kind));
}

void SessionTable::Entry::ExpirePending(UnixMillis now) {
  if (pending > 0 && now - admitted_at > kConnectWindow) pending = 0;
}

SessionTable::AdmitOutcome SessionTable::Admit(std::string_view clientid,
                                               std::shared_ptr<const Principal> principal,
                                               UnixMillis now) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) {
    shard.entries.emplace(std::string(clientid), Entry{std::move(principal), 0, 1, now});
    shard.MarkChanged(clientid, track_changes_);
    return AdmitOutcome::kAdmitted;
  }
  Entry& entry = it->second;
  entry.ExpirePending(now);
  if (entry.live() && !SameHolder(*entry.principal, *principal)) {
    return AdmitOutcome::kHeldByAnother;
  }
  entry.principal = std::move(principal);
  ++entry.pending;
  entry.admitted_at = now;
  shard.MarkChanged(clientid, track_changes_);
  return AdmitOutcome::kAdmitted;
}

std::shared_ptr<const Principal> SessionTable::Find(std::string_view clientid) const {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  return it == shard.entries.end() ? nullptr : it->second.principal;
}

void SessionTable::Connected(std::string_view clientid, UnixMillis now) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) return;
  Entry& entry = it->second;
  if (entry.pending > 0) --entry.pending;
  ++entry.connections;
  entry.connected_at = now;
  shard.MarkChanged(clientid, track_changes_);
}

int SessionTable::Disconnected(std::string_view clientid, UnixMillis now) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) return 0;
  Entry& entry = it->second;
  entry.ExpirePending(now);
  int ended = 0;
  // A carried-over connection silent while a newer one has been connected for longer
  // than a takeover takes: the broker ended it while the hub was away.
  if (entry.carried > 0 && entry.connections > 0 && now - entry.connected_at > kTakeoverWindow) {
    entry.carried = 0;
    ++ended;
  }
  // The oldest connection ends first: a carried-over one, then a live one; a pending
  // admission is a newer connection still on its way (EMQX's order), so the disconnect
  // cannot be its own unless nothing else is left.
  if (entry.carried > 0) {
    --entry.carried;
    ++ended;
  } else if (entry.connections > 0) {
    --entry.connections;
    ++ended;
  } else if (entry.pending > 0) {
    --entry.pending;  // admitted, then the connect failed
  }
  if (!entry.live()) shard.entries.erase(it);
  shard.MarkChanged(clientid, track_changes_);
  return ended;
}

std::vector<SessionChange> SessionTable::DrainChanges() {
  std::vector<SessionChange> changes;
  if (!track_changes_) return changes;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const std::string& clientid : shard.changed) {
      SessionChange change{clientid, std::nullopt};
      if (auto it = shard.entries.find(clientid); it != shard.entries.end()) {
        const Entry& entry = it->second;
        change.state = SessionState{entry.principal, entry.connections + entry.carried,
                                    entry.pending, entry.admitted_at};
      }
      changes.push_back(std::move(change));
    }
    shard.changed.clear();
  }
  return changes;
}

void SessionTable::Restore(std::string_view clientid, const SessionState& session) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  if (shard.entries.contains(clientid)) return;
  Entry entry{session.principal, 0, 0, session.admitted_at};
  entry.carried = 1;
  shard.entries.emplace(std::string(clientid), std::move(entry));
}

std::size_t SessionTable::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace iothub::auth
