// SessionTable: who each connected MQTT client is. client.authenticate records the
// principal it admitted under the clientid; client.authorize and message.publish read
// it; client.disconnected of the clientid's last connection forgets it.
//
// A clientid belongs to the principal that holds it: while a connection of that clientid
// is live (or admitted and about to connect), only the same principal (same kind of
// identity and same id) may authenticate under it again. Anyone else is refused, so a
// valid login cannot take over another principal's session.
//
// Connections of one clientid overlap during a reconnect, and brokers report the events
// in different orders: EMQX 5.3 sends authenticate(new), disconnected(old),
// connected(new); Mosquitto 2.0 (through the plugin) authenticate(new), connected(new),
// disconnected(old). Neither tells the hub which connection an event belongs to (EMQX
// 5.3's ClientInfo has no connection id), so each entry counts generations instead:
// `pending` admissions not yet connected and `connections` live ones. A disconnect ends
// a live connection first (else a pending one), and the entry goes only when both
// counts are zero, so a stale disconnect never ends a newer session. An admission that
// never connects (the client vanished between CONNECT and CONNACK; EMQX then sends no
// disconnect) stops counting after kConnectWindow.
//
// Restart survival: with change tracking on, DrainChanges hands the state journal every
// clientid whose entry changed, and Restore puts journaled entries back at start-up.
// What a restored entry held is counted as one `carried` connection whose liveness the
// hub cannot see (its client may have left while the hub was away): MQTT allows one
// connection per clientid, so a disconnect ends the carried one first, and a carried
// connection that says nothing while a newer one stays connected longer than
// kTakeoverWindow was ended by the broker unseen and is dropped.
//
// Thread-safe: sharded by clientid, a mutex per shard held for one hash operation.
// Readers get a shared_ptr to an immutable Principal: no copy of its strings.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/string_hash.h"
#include "model/principal.h"

namespace iothub::auth {

// One session as the state journal keeps it: who holds the clientid, how many of its
// connections are live (carried-over ones included) or admitted and on their way.
struct SessionState {
  std::shared_ptr<const Principal> principal;
  int connections = 0;
  int pending = 0;
  UnixMillis admitted_at = 0;
};

// A clientid whose session changed: its state now, or nullopt when it ended.
struct SessionChange {
  std::string clientid;
  std::optional<SessionState> state;
};

class SessionTable {
 public:
  // How long an admission waits for its client.connected before it stops holding the
  // clientid (far longer than any CONNECT -> CONNACK).
  static constexpr UnixMillis kConnectWindow = 60'000;
  // How long after a newer connection's connected a carried-over connection's own
  // disconnect may still arrive (a broker's takeover takes milliseconds).
  static constexpr UnixMillis kTakeoverWindow = 10'000;

  // `track_changes`: remember changed clientids for DrainChanges (the state journal).
  // Off, nothing is remembered, so a table nobody drains never grows.
  explicit SessionTable(bool track_changes = false) : track_changes_(track_changes) {}

  enum class AdmitOutcome {
    kAdmitted,
    kHeldByAnother,  // a live session of this clientid belongs to another principal
  };

  // Records `principal` for `clientid` at `now`, unless another principal holds it.
  AdmitOutcome Admit(std::string_view clientid, std::shared_ptr<const Principal> principal,
                     UnixMillis now);
  // The principal admitted for `clientid`, or nullptr.
  std::shared_ptr<const Principal> Find(std::string_view clientid) const;
  // client.connected of `clientid` at `now`.
  void Connected(std::string_view clientid, UnixMillis now);
  // client.disconnected of `clientid` at `now`; returns how many connections ended
  // (0 for an admission that never connected, 2 when a carried-over connection turned
  // out to be gone as well), for device presence.
  int Disconnected(std::string_view clientid, UnixMillis now);

  // The clientids changed since the last call (each once), with their state now, or
  // nullopt when the session is gone. Empty unless change tracking is on. Each shard is
  // swapped out under its lock.
  std::vector<SessionChange> DrainChanges();
  // Puts back a session journaled by an earlier process (start-up, before any hook), as
  // one carried-over connection. A clientid already present is left alone.
  void Restore(std::string_view clientid, const SessionState& session);

  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    int connections = 0;          // connected, not yet disconnected
    int pending = 0;              // admitted, not yet connected
    UnixMillis admitted_at = 0;   // of the latest admission
    int carried = 0;              // carried over from an earlier process (0 or 1)
    UnixMillis connected_at = 0;  // of the latest connected

    // Drops pending admissions older than kConnectWindow.
    void ExpirePending(UnixMillis now);
    bool live() const { return connections > 0 || pending > 0 || carried > 0; }
  };
  struct Shard {
    mutable std::mutex mutex;
    StringMap<Entry> entries;
    StringSet changed;  // to journal

    void MarkChanged(std::string_view clientid, bool track) {
      if (track && !changed.contains(clientid)) changed.emplace(clientid);
    }
  };
  static constexpr std::size_t kShards = 32;

  Shard& ShardFor(std::string_view clientid) const {
    return shards_[StringHash{}(clientid) % kShards];
  }

  const bool track_changes_;
  mutable std::array<Shard, kShards> shards_;
};

// True when `a` and `b` are the same identity: both the hub's own link (or a broker
// bridge, or neither), and the same kind of principal (a user and an admin are one kind: a role
// change keeps the identity) with the same id.
bool SameHolder(const Principal& a, const Principal& b);

}  // namespace iothub::auth
