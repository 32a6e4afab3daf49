// PendingTable: RPC requests that passed message.publish and wait for the device's
// reply, keyed by (device id, request id). Bounded per device, per user and in total.
// Each entry remembers its requester's clientid: a request id belongs to whoever sent it
// first, so another requester reusing it is told apart (Lookup) from a repeat.
// After a reply (or a timeout) an entry lingers as a small tombstone for a while, so a
// second reply is told apart from an unknown one, and a late reply from an unsolicited
// one; tombstones have their own bound and never count against the pending limits.
//
// Thread-safe: entries are sharded by device id, each shard behind its own mutex;
// per-user counts sit in their own shards (locked only inside a device shard's lock, so
// lock order is fixed); the total is an atomic. Critical sections are a hash lookup.
//
// Memory: one std::unordered_map node per entry (~112 B) plus two heap strings
// (device/request key, user/clientid), each allocated only past the 15-character SSO
// limit: ~300 B per entry with 36-character UUIDs, ~130 B with short ids.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rpc/method_catalog.h"

namespace iothub::rpc {

using SteadyTime = std::chrono::steady_clock::time_point;

struct PendingLimits {
  std::size_t max_per_device = 32;
  std::size_t max_per_user = 256;
  std::size_t max_total = 100'000;
  std::size_t max_tombstones = 100'000;
  std::chrono::milliseconds tombstone_linger{30'000};  // kept after deadline or reply
  std::size_t shards = 16;
  // Remember which keys changed, for DrainChanges (the state journal). Off: nothing is
  // remembered, so a table nobody drains never grows.
  bool track_changes = false;
};

// A request waiting for its reply, as inserted and as returned by SweepExpired.
struct PendingRequest {
  std::string device_id;
  std::string request_id;
  std::string user_id;             // the topic's user: the timeout goes to their topic
  std::string requester_clientid;  // who owns request_id for this device; for logs
  Method method = Method::kGetDeviceState;
  SteadyTime sent_at;
  SteadyTime deadline;
};

enum class InsertResult {
  kOk,
  kDuplicate,   // (device, request id) is pending or a tombstone
  kDeviceFull,  // max_per_device pending for this device
  kTableFull,   // max_total pending
  kUserFull,    // max_per_user pending for this user
  kInvalid,     // device or request id over 64 characters, user id over 255
};

enum class TakeStatus {
  kTaken,            // was pending and in time: now answered
  kUnknown,          // never seen (or long forgotten) for this device
  kExpired,          // deadline passed (timed out or about to be swept)
  kAlreadyAnswered,  // a reply was already taken
  kUserMismatch,     // pending, but for another user's topic; left in place
};

// Who holds a (device, request id), as seen by a requester about to send it.
enum class IdUse {
  kFree,            // neither pending nor a tombstone
  kSameRequester,   // pending or a tombstone, sent by this requester (a repeat)
  kOtherRequester,  // pending or a tombstone, sent by another requester
};

// A (device, request id) whose state changed since the last DrainChanges: the request
// still pending, or nullopt when it was answered, timed out or dropped.
struct PendingChange {
  std::string device_id;
  std::string request_id;
  std::optional<PendingRequest> pending;
};

struct TakeResult {
  TakeStatus status = TakeStatus::kUnknown;
  Method method = Method::kGetDeviceState;  // kTaken only
  SteadyTime sent_at;                       // kTaken only
};

class PendingTable {
 public:
  explicit PendingTable(PendingLimits limits = {});
  PendingTable(const PendingTable&) = delete;
  PendingTable& operator=(const PendingTable&) = delete;
  ~PendingTable();

  // Adds a pending request; on failure the table is unchanged. Bounds are checked in the
  // order of the enum.
  InsertResult Insert(const PendingRequest& request);

  // Whether (device, request id) is pending or a tombstone, and whether
  // `requester_clientid` sent it. Allocates nothing.
  IdUse Lookup(std::string_view device_id, std::string_view request_id,
               std::string_view requester_clientid);

  // Takes the reply to (device, request id) published on `user_id`'s topic. Only kTaken
  // changes the table (the entry becomes a tombstone). Expired entries stay for
  // SweepExpired, so their requester still gets a timeout. Allocates nothing.
  TakeResult Take(std::string_view device_id, std::string_view request_id, std::string_view user_id,
                  SteadyTime now);

  // Removes pending entries whose deadline is <= now and returns them (their requesters
  // are owed a timeout); drops tombstones past their linger time.
  std::vector<PendingRequest> SweepExpired(SteadyTime now);

  // The keys changed since the last call (at most once each) with their state now.
  // Empty unless limits.track_changes. Each shard is swapped out under its lock.
  std::vector<PendingChange> DrainChanges();

  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  std::size_t tombstones() const { return tombstones_.load(std::memory_order_relaxed); }

 private:
  struct Shard;
  struct UserShard;

  Shard& ShardFor(std::string_view device_id);
  UserShard& UserShardFor(std::string_view user_id);
  bool ReserveUser(std::string_view user_id);
  void ReleaseUser(std::string_view user_id);

  const PendingLimits limits_;
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<UserShard[]> user_shards_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> tombstones_{0};
};

}  // namespace iothub::rpc
