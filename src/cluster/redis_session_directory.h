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
// Admit, Connected and Disconnected are Lua scripts (redis_session_scripts.h: one round
// trip each, atomic), so "a live clientid belongs to its principal" holds across hubs
// and the generation counts stay right when the events of one client reach different
// hubs.
//
// Round trips: the *Async calls (the hook threads') send every one of them through
// RedisClient's pipeline (EvalAsync; the lookup's HGET by CommandAsync) and answer on
// the pipeline's thread, so no hook thread waits for Redis; a cache hit and an event
// queued behind deferred ones answer at once, on the calling thread. The waiting calls
// (Admit, Find, Connected, Disconnected) use the client's own connections; both forms
// share the scripts, the reply parsing and the cache and queue rules below.
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
// Known corner of the pipelined forms (not of the waiting ones): an event is queued
// when its answer comes back failed, and by then a later event of the same clientid
// may be on its way already (sent before the first was known to fail). If Redis takes
// that later one (it came back in between), it is recorded before the queued one is
// replayed: a disconnect before its connect. The scripts take that reordering as they
// take the broker's own while the session has a live connection (the oldest one ends
// either way: same counts, same hubs). When it had none, only pending admissions, the
// disconnect ends an admission instead and answers 0, so:
//  - with one admission the session ends as it would have (the replayed connect finds
//    no session), but the device stays counted online at this hub (the caller counted
//    the queued connect, and the disconnect did not say it ended a connection here);
//  - with more, the replayed connect leaves a live connection counted by this hub
//    that has in fact ended: the clientid stays held by its principal, and the device
//    online here, until one disconnect more than the broker will report.
// Both need a Redis failure between two events of one client a round trip apart.
//
// Answers run on the pipeline's thread: short, no waiting call to Redis (the cache
// and queue locks only). Memory running out there ends the process (noexcept).
//
// Thread-safe: the cache is sharded by clientid, a mutex per shard. The destructor
// waits until every pipelined call has been answered (each answer uses the caches and
// the queue), which RedisClient bounds to about twice its timeout.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "auth/session_directory.h"
#include "cluster/redis_client.h"
#include "cluster/redis_session_scripts.h"
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
  static constexpr std::string_view kChannel = kSessionChannel;

  // Everything in `parts` must outlive the directory.
  explicit RedisSessionDirectory(RedisSessionParts parts);
  // Waits for the answers of the pipelined calls still out (a `done` must therefore not
  // destroy the directory), then Stop().
  ~RedisSessionDirectory() override;

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

  // auth::SessionDirectory
  absl::StatusOr<AdmitOutcome> Admit(std::string_view clientid,
                                     std::shared_ptr<const Principal> principal,
                                     UnixMillis now) override;
  absl::StatusOr<std::shared_ptr<const Principal>> Find(std::string_view clientid) override;
  absl::Status Connected(std::string_view clientid, UnixMillis now) override;
  absl::StatusOr<int> Disconnected(std::string_view clientid, UnixMillis now) override;
  void AdmitAsync(std::string_view clientid, std::shared_ptr<const Principal> principal,
                  UnixMillis now, AdmitDone done) override;
  void FindAsync(std::string_view clientid, FindDone done) override;
  void ConnectedAsync(std::string_view clientid, UnixMillis now, ConnectedDone done) override;
  void DisconnectedAsync(std::string_view clientid, UnixMillis now, DisconnectedDone done) override;

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

  // Held by each pipelined call's continuation, from the call until its answer ran (or
  // the continuation was dropped unrun): what the destructor waits for.
  class Answering {
   public:
    explicit Answering(RedisSessionDirectory& directory);
    Answering(Answering&& other) noexcept : directory_(std::exchange(other.directory_, nullptr)) {}
    Answering& operator=(Answering&&) = delete;
    ~Answering();
    RedisSessionDirectory* operator->() const { return directory_; }

   private:
    RedisSessionDirectory* directory_;
  };
  // A cache probe: a principal that may serve now (hit), or the shard's epoch for
  // CacheIfStill after reading Redis.
  struct Probe {
    bool hit = false;
    std::shared_ptr<const Principal> principal;
    std::uint64_t epoch = 0;
  };

  Shard& ShardFor(std::string_view clientid) const {
    return shards_[StringHash{}(clientid) % kShards];
  }
  // Find's cache rule: an entry serves when the channel is followed or it is this hub's.
  Probe Look(std::string_view clientid, bool following);
  // What a lookup read from Redis, cached when the channel covered the whole read.
  absl::StatusOr<std::shared_ptr<const Principal>> Learned(std::string_view clientid,
                                                           bool following, std::uint64_t epoch,
                                                           const absl::StatusOr<RedisReply>& reply);
  // What the Admit script answered; an admission is cached (own) before it is answered.
  absl::StatusOr<AdmitOutcome> Admitted(std::string_view clientid,
                                        std::shared_ptr<const Principal> principal,
                                        const absl::StatusOr<RedisReply>& reply);
  // What a connect or disconnect answers once its script answered: a failed one is
  // queued (OK / 0) unless the queue is full (the error).
  absl::Status ConnectedAnswer(std::string_view clientid, UnixMillis now,
                               const absl::StatusOr<RedisReply>& reply);
  absl::StatusOr<int> DisconnectedAnswer(std::string_view clientid, UnixMillis now,
                                         absl::StatusOr<RedisReply> reply);
  // An event of a clientid with queued ones queues behind them: then what it answers
  // (OK, ResourceExhausted when the queue is full); nullopt when it goes to Redis.
  std::optional<absl::Status> QueuedBehind(bool connected, std::string_view clientid,
                                           UnixMillis at);
  void Cache(std::string_view clientid, Cached entry);
  // Caches what a lookup read, unless the shard's epoch moved on since `epoch`.
  void CacheIfStill(std::string_view clientid, Cached entry, std::uint64_t epoch);
  void Forget(std::string_view clientid);
  absl::Status RecordConnected(std::string_view clientid);
  // The disconnect script's answer (the session's cache entry dropped when it ended).
  absl::StatusOr<DisconnectOutcome> RecordDisconnected(std::string_view clientid, UnixMillis now);
  absl::StatusOr<DisconnectOutcome> Ended(std::string_view clientid,
                                          absl::StatusOr<RedisReply> reply);
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
  std::mutex answering_mutex_;
  std::condition_variable answered_;
  std::size_t answering_ ABSL_GUARDED_BY(answering_mutex_) = 0;  // pipelined calls out
  RedisSubscriber subscriber_;  // last: its thread calls into the members above
};

}  // namespace iothub::cluster
