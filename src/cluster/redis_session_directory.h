// RedisSessionDirectory: auth::SessionDirectory shared by every hub in Redis, so that
// any hub answers any hook of any client (N hubs behind a load balancer), and a hub
// that restarts still knows the clients that stayed connected. Data model:
//   iothub:s:{clientid}  HASH  p principal (JSON), o holder (kind class + id, what
//                              SameHolder compares), d device id ("" unless a device),
//                              n pending admissions, c live connections, a admitted
//                              at (Unix ms), h ids of the hubs that counted each live
//                              connection (oldest first, comma-separated)
//   iothub:sessions      pub/sub channel: "i{hub}\n{clientid}" a session ended or
//                        changed principal (drop it from caches); "p{hub}\n{device}"
//                        a connection that hub {hub} counted ended elsewhere
// Admit, Connected and Disconnected are Lua scripts (one round trip each, atomic), so
// "a live clientid belongs to its principal" holds across hubs and the generation
// counts stay right when the events of one client reach different hubs.
//
// Reads: a local cache of clientid -> principal serves authorize and publish without
// a round trip. A miss reads Redis once (HGET, bounded by the client's timeout) and
// caches the answer. Invalidation: the scripts publish "i" whenever a session ends or
// its principal text changes (owner change, role change, rebind); every hub drops the
// entry on receipt. Messages published while a hub's subscription was down are lost,
// so the cache trusts only what the subscription covers: when it goes down, entries
// learned from Redis stop serving (a lookup reads Redis again, and fails closed while
// Redis is unreachable); entries this hub admitted itself keep serving (their
// principal was decided here); when it comes back, the whole cache is dropped. A miss
// that raced with an invalidation is answered but not cached.
//
// Presence: each hub counts its own device connections (rpc::Presence, published by
// RedisRpcState). When a connection counted by hub A disconnects through hub B, the
// script tells A ("p" message), which counts it down. A restarted hub (same id, from
// its data dir) counts its recorded connections again at start (RestorePresence).
//
// Connects and disconnects that Redis did not take (down, too slow) are queued, in
// order, and replayed off the hook path (ReplayUnrecorded, every housekeeper tick), so
// that a Redis blip does not leave a count wrong; events of a clientid with queued
// ones queue behind them. The queue is bounded (kMaxUnrecorded): beyond it an event
// fails (the caller logs it) and is lost.
//
// Thread-safe: the cache is sharded by clientid, a mutex per shard.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "auth/session_directory.h"
#include "cluster/redis_client.h"
#include "cluster/redis_subscriber.h"
#include "common/metrics.h"
#include "common/string_hash.h"
#include "rpc/presence.h"

namespace iothub::cluster {

struct RedisSessionParts {
  RedisClient& redis;
  RedisOptions subscriber;  // where the invalidation channel is followed
  std::string hub_id;       // this process among the hubs (no '\n', no ',')
  rpc::Presence& presence;  // this hub's device connections
  const Clock& clock;
  Metrics& metrics;
};

class RedisSessionDirectory final : public auth::SessionDirectory {
 public:
  static constexpr std::string_view kChannel = "iothub:sessions";

  // Everything in `parts` must outlive the directory.
  explicit RedisSessionDirectory(RedisSessionParts parts);
  ~RedisSessionDirectory() override { Stop(); }

  // Follows the invalidation channel (until Stop); nothing is cached before that.
  void Start() { subscriber_.Start(); }
  void Stop() { subscriber_.Stop(); }
  // At start-up, before any hook: counts into this hub's presence the device
  // connections it counted before a restart (its id kept) and that Redis still holds:
  // the broker kept them. Returns how many. One SCAN pass over the sessions.
  absl::StatusOr<std::size_t> RestorePresence();
  // Off the hook path: records the queued connects and disconnects, oldest first, until
  // one fails (it stays first).
  absl::Status ReplayUnrecorded();
  // Whether the invalidation channel is followed now (for /api/health).
  bool following() const { return subscriber_.up(); }

  absl::StatusOr<AdmitOutcome> Admit(std::string_view clientid,
                                     std::shared_ptr<const Principal> principal,
                                     UnixMillis now) override;
  absl::StatusOr<std::shared_ptr<const Principal>> Find(std::string_view clientid) override;
  absl::Status Connected(std::string_view clientid, UnixMillis now) override;
  absl::StatusOr<int> Disconnected(std::string_view clientid, UnixMillis now) override;

  static constexpr std::size_t kMaxUnrecorded = 100'000;

 private:
  // A connect (true) or disconnect that waits for Redis.
  struct Unrecorded {
    bool connected = false;
    std::string clientid;
    UnixMillis at = 0;
  };
  struct Cached {
    std::shared_ptr<const Principal> principal;
    bool own = false;  // admitted by this hub
  };
  struct Shard {
    mutable std::mutex mutex;
    StringMap<Cached> entries;
    // Bumped by every invalidation of a clientid of this shard and every subscription
    // change: a miss caches its answer only when nothing happened while it read Redis.
    std::uint64_t epoch = 0;
  };
  static constexpr std::size_t kShards = 32;

  Shard& ShardFor(std::string_view clientid) const {
    return shards_[StringHash{}(clientid) % kShards];
  }
  void Cache(std::string_view clientid, Cached entry);
  // Caches what a lookup read, unless the shard's epoch moved on since `epoch`.
  void CacheIfStill(std::string_view clientid, Cached entry, std::uint64_t epoch);
  void Forget(std::string_view clientid);
  absl::Status RecordConnected(std::string_view clientid);
  // The disconnect script: whether this hub had counted the connection that ended, and
  // the session's device id ("" unless a device).
  absl::StatusOr<std::pair<bool, std::string>> RecordDisconnected(std::string_view clientid,
                                                                  UnixMillis now);
  bool Behind(std::string_view clientid);
  // False when the queue is full.
  bool Defer(bool connected, std::string_view clientid, UnixMillis at);
  void OnMessage(std::string_view message);
  void OnSubscription(bool up);

  RedisSessionParts parts_;
  mutable std::array<Shard, kShards> shards_;
  Counter& hits_;
  Counter& misses_;
  Counter& invalidations_;
  Gauge& deferred_;
  std::mutex unrecorded_mutex_;
  std::deque<Unrecorded> unrecorded_;  // oldest first; popped by ReplayUnrecorded only
  StringMap<int> behind_;              // queued per id
  RedisSubscriber subscriber_;         // last: its thread calls into the members above
};

}  // namespace iothub::cluster
