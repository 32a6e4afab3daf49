// StatePersister: the hub's sessions and pending RPC requests written behind to the
// state journal (store/state_journal.h), and put back at start-up, so that restarting
// or upgrading the hub costs the clients that stayed connected to the broker nothing:
// their next authorize and publish are answered as before, commands reach their
// devices, and a reply to a request made before the restart still finds its request
// (or its requester gets the -32000 timeout).
//
// Off the hook path: the tables only mark what changed; Flush (the housekeeper, every
// tick, and once at shutdown) drains the marks and writes one batch per kind. A crash
// loses at most one tick of changes. Restore re-checks every session against the
// current registry: a device revoked or deleted, or a user deleted, while the hub was
// down is not put back.
//
// With sessions shared in Redis (cluster::RedisSessionDirectory) sessions are not
// journaled: Redis outlives the hub by itself, and a journal of one hub's view would
// put back sessions that other hubs have since ended. Pending requests are journaled
// only when they are local (RpcState::DrainChanges).
//
// Thread-safety: Restore before the servers start; Flush from one thread at a time.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "auth/session_table.h"
#include "common/clock.h"
#include "registry/fleet_view.h"
#include "rpc/presence.h"
#include "rpc/rpc_pipeline.h"
#include "store/state_journal.h"

namespace iothub::app {

struct StatePersisterParts {
  store::StateJournal& journal;
  auth::SessionTable* sessions;  // null: sessions are not journaled (shared in Redis)
  rpc::RpcPipeline& rpc;
  rpc::Presence& presence;
  const registry::FleetView& fleet;
  const Clock& clock;
};

// What Restore put back, and what it left out.
struct RestoreCounts {
  std::size_t sessions = 0;
  std::size_t sessions_dropped = 0;  // principal no longer valid, or unreadable
  std::size_t pending = 0;
  std::size_t pending_dropped = 0;  // unreadable or over the table's bounds
};

class StatePersister {
 public:
  explicit StatePersister(StatePersisterParts parts) : parts_(parts) {}

  // Loads the journal into the session table, presence and the pending table.
  absl::StatusOr<RestoreCounts> Restore();

  // Writes the changes since the last call. A failed write is logged and kept for the
  // next call (newest state per key wins), so nothing is lost while the disk is full
  // for a moment.
  void Flush();

 private:
  using Unflushed = std::map<std::string, std::optional<std::string>>;

  void DrainSessions();
  void DrainPending();
  void Write(std::string_view kind, Unflushed& changes);

  StatePersisterParts parts_;
  Unflushed sessions_;
  Unflushed pending_;
  bool failing_ = false;  // the last write failed (logged once per streak)
};

}  // namespace iothub::app
