#include "auth/session_table.h"

namespace iothub::auth {
namespace {

// Users and admins are one kind of identity: the role may change between logins.
bool IsPerson(PrincipalKind kind) {
  return kind == PrincipalKind::kUser || kind == PrincipalKind::kAdmin;
}

}  // namespace

bool SameHolder(const Principal& a, const Principal& b) {
  if (a.hub_link != b.hub_link || a.id != b.id) return false;
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
  return AdmitOutcome::kAdmitted;
}

std::shared_ptr<const Principal> SessionTable::Find(std::string_view clientid) const {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  return it == shard.entries.end() ? nullptr : it->second.principal;
}

void SessionTable::Connected(std::string_view clientid) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) return;
  Entry& entry = it->second;
  if (entry.pending > 0) --entry.pending;
  ++entry.connections;
}

void SessionTable::Disconnected(std::string_view clientid, UnixMillis now) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) return;
  Entry& entry = it->second;
  entry.ExpirePending(now);
  // A live connection ends first: a pending admission is a newer connection still on
  // its way (EMQX's order), so the disconnect cannot be its own.
  if (entry.connections > 0) {
    --entry.connections;
  } else if (entry.pending > 0) {
    --entry.pending;  // admitted, then the connect failed
  }
  if (!entry.live()) shard.entries.erase(it);
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
