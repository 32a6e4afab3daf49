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
// Thread-safe: sharded by clientid, a mutex per shard held for one hash operation.
// Readers get a shared_ptr to an immutable Principal: no copy of its strings.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "model/principal.h"

namespace iothub::auth {

class SessionTable {
 public:
  // How long an admission waits for its client.connected before it stops holding the
  // clientid (far longer than any CONNECT -> CONNACK).
  static constexpr UnixMillis kConnectWindow = 60'000;

  enum class AdmitOutcome {
    kAdmitted,
    kHeldByAnother,  // a live session of this clientid belongs to another principal
  };

  // Records `principal` for `clientid` at `now`, unless another principal holds it.
  AdmitOutcome Admit(std::string_view clientid, std::shared_ptr<const Principal> principal,
                     UnixMillis now);
  // The principal admitted for `clientid`, or nullptr.
  std::shared_ptr<const Principal> Find(std::string_view clientid) const;
  // client.connected / client.disconnected of `clientid`.
  void Connected(std::string_view clientid);
  void Disconnected(std::string_view clientid, UnixMillis now);

  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    int connections = 0;         // connected, not yet disconnected
    int pending = 0;             // admitted, not yet connected
    UnixMillis admitted_at = 0;  // of the latest admission

    // Drops pending admissions older than kConnectWindow.
    void ExpirePending(UnixMillis now);
    bool live() const { return connections > 0 || pending > 0; }
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;
  };
  static constexpr std::size_t kShards = 32;

  Shard& ShardFor(std::string_view clientid) const {
    return shards_[StringHash{}(clientid) % kShards];
  }

  mutable std::array<Shard, kShards> shards_;
};

// True when `a` and `b` are the same identity: both the hub's own link, or the same
// kind of principal (a user and an admin are one kind: a role change keeps the
// identity) with the same id.
bool SameHolder(const Principal& a, const Principal& b);

}  // namespace iothub::auth
