#include "rpc/presence.h"

#include <algorithm>

#include "common/string_hash.h"

namespace iothub::rpc {
namespace {

void NoteSeen(StringMap<UnixMillis>& seen, std::string_view device_id, UnixMillis now) {
  auto it = seen.find(device_id);
  if (it == seen.end()) {
    seen.emplace(std::string(device_id), now);
  } else {
    it->second = std::max(it->second, now);
  }
}

}  // namespace

struct Presence::Shard {
  mutable std::mutex mutex;
  StringMap<std::uint32_t> connections;  // online devices only
  StringMap<UnixMillis> last_seen;       // not yet drained
  StringMap<bool> online_changes;        // not yet drained (track_changes only)
};

Presence::Presence(std::size_t shards, bool track_changes)
    : shard_count_(std::max<std::size_t>(1, shards)),
      track_changes_(track_changes),
      shards_(new Shard[shard_count_]) {}

Presence::~Presence() = default;

Presence::Shard& Presence::ShardFor(std::string_view device_id) const {
  return shards_[std::hash<std::string_view>{}(device_id) % shard_count_];
}

void Presence::OnConnected(std::string_view device_id, UnixMillis now) {
  Shard& shard = ShardFor(device_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.connections.find(device_id);
  if (it == shard.connections.end()) {
    shard.connections.emplace(std::string(device_id), 1);
    if (track_changes_) shard.online_changes.insert_or_assign(std::string(device_id), true);
  } else {
    it->second = std::min(it->second + 1, kMaxConnections);
  }
  NoteSeen(shard.last_seen, device_id, now);
}

void Presence::OnDisconnected(std::string_view device_id, UnixMillis now) {
  Shard& shard = ShardFor(device_id);
  std::lock_guard lock(shard.mutex);
  if (auto it = shard.connections.find(device_id); it != shard.connections.end()) {
    if (--it->second == 0) {
      shard.connections.erase(it);
      if (track_changes_) shard.online_changes.insert_or_assign(std::string(device_id), false);
    }
  }
  NoteSeen(shard.last_seen, device_id, now);
}

void Presence::Touch(std::string_view device_id, UnixMillis now) {
  Shard& shard = ShardFor(device_id);
  std::lock_guard lock(shard.mutex);
  NoteSeen(shard.last_seen, device_id, now);
}

bool Presence::IsOnline(std::string_view device_id) const {
  const Shard& shard = ShardFor(device_id);
  std::lock_guard lock(shard.mutex);
  return shard.connections.contains(device_id);
}

std::size_t Presence::online_count() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].connections.size();
  }
  return total;
}

std::vector<std::pair<std::string, UnixMillis>> Presence::DrainLastSeen() {
  std::vector<std::pair<std::string, UnixMillis>> out;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    StringMap<UnixMillis> taken;
    {
      std::lock_guard lock(shards_[i].mutex);
      taken.swap(shards_[i].last_seen);
    }
    out.reserve(out.size() + taken.size());
    for (auto& [id, ms] : taken) out.emplace_back(id, ms);
  }
  return out;
}

std::vector<std::pair<std::string, bool>> Presence::DrainOnlineChanges() {
  std::vector<std::pair<std::string, bool>> out;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    StringMap<bool> taken;
    {
      std::lock_guard lock(shards_[i].mutex);
      taken.swap(shards_[i].online_changes);
    }
    for (auto& [id, online] : taken) out.emplace_back(id, online);
  }
  return out;
}

std::vector<std::string> Presence::OnlineDevices() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    for (const auto& [id, count] : shards_[i].connections) out.push_back(id);
  }
  return out;
}

}  // namespace iothub::rpc
