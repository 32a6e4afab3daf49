// Presence: which devices are online (from client.connected / client.disconnected of
// device principals) and a queue of last-seen times for a background writer to store.
//
// A device counts its live connections: connected +1, disconnected -1 (never below 0),
// online while the count is above 0. That is right whatever order EMQX reports a session
// takeover in (new connected before or after old disconnected, same clientid or not),
// and a hook called twice for both events cancels out. The count is capped
// (kMaxConnections) so that a stream of duplicate connects cannot pin a device online
// for ever; the next disconnect after the cap marks it offline.
//
// With track_changes, a device going online or offline here is also remembered (the
// newest state per device) for DrainOnlineChanges: shared state publishes it to other
// hubs, off the hook path.
//
// Last-seen updates coalesce per device (the newest time wins), so the queue is bounded
// by the number of devices, and DrainLastSeen hands them over in one batch.
//
// Thread-safe: sharded by device id, a mutex per shard, held for one hash lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace iothub::rpc {

class Presence {
 public:
  static constexpr std::uint32_t kMaxConnections = 8;

  explicit Presence(std::size_t shards = 16, bool track_changes = false);
  Presence(const Presence&) = delete;
  Presence& operator=(const Presence&) = delete;
  ~Presence();

  // A connection of the device opened / closed at `now`; both record last-seen.
  void OnConnected(std::string_view device_id, UnixMillis now);
  void OnDisconnected(std::string_view device_id, UnixMillis now);
  // Activity of a connected device (e.g. an RPC reply): records last-seen only.
  void Touch(std::string_view device_id, UnixMillis now);

  bool IsOnline(std::string_view device_id) const;
  std::size_t online_count() const;

  // Takes the queued (device id, last seen) updates, at most one per device, in no
  // particular order. Never blocks for long: each shard is swapped out under its lock.
  std::vector<std::pair<std::string, UnixMillis>> DrainLastSeen();

  // Devices whose online state here changed since the last call, with the state now
  // (true: online). Empty unless constructed with track_changes.
  std::vector<std::pair<std::string, bool>> DrainOnlineChanges();
  // Every device online here now.
  std::vector<std::string> OnlineDevices() const;

 private:
  struct Shard;
  Shard& ShardFor(std::string_view device_id) const;

  const std::size_t shard_count_;
  const bool track_changes_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace iothub::rpc
