#include "rpc/pending_table.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_set>

#include "common/string_hash.h"

namespace iothub::rpc {
namespace {

// "device/request": '/' never occurs in an id, so the key is unambiguous. Built on the
// stack for lookups; ids longer than 64 are cut (they never match: none is stored).
class Key {
 public:
  Key(std::string_view device, std::string_view request) {
    device = device.substr(0, 64);
    request = request.substr(0, 64);
    std::memcpy(buf_.data(), device.data(), device.size());
    buf_[device.size()] = '/';
    std::memcpy(buf_.data() + device.size() + 1, request.data(), request.size());
    size_ = device.size() + 1 + request.size();
  }
  std::string_view view() const { return {buf_.data(), size_}; }

 private:
  std::array<char, 130> buf_;
  std::size_t size_;
};

enum class State : std::uint8_t { kPending, kAnswered, kTimedOut };

TakeResult Only(TakeStatus status) {
  TakeResult result;
  result.status = status;
  return result;
}

}  // namespace

struct PendingTable::Shard {
  struct Entry {
    std::string user_and_client;  // user_id + clientid, split at user_len
    SteadyTime sent_at;
    SteadyTime deadline;  // for tombstones: when they are dropped
    std::uint8_t user_len = 0;
    Method method = Method::kGetDeviceState;
    State state = State::kPending;

    std::string_view user() const { return std::string_view(user_and_client).substr(0, user_len); }
    std::string_view clientid() const { return std::string_view(user_and_client).substr(user_len); }
  };

  std::mutex mutex;
  StringMap<Entry> entries;                   // pending and tombstones
  StringMap<std::uint32_t> per_device;        // pending only
  SteadyTime next_event = SteadyTime::max();  // no deadline earlier than this
  StringSet changed;                          // to journal

  void MarkChanged(std::string_view key, bool track) {
    if (track && !changed.contains(key)) changed.emplace(key);
  }
};

struct PendingTable::UserShard {
  std::mutex mutex;
  StringMap<std::uint32_t> per_user;  // pending only
};

PendingTable::PendingTable(PendingLimits limits)
    : limits_([&] {
        limits.shards = std::max<std::size_t>(1, limits.shards);
        return limits;
      }()),
      shards_(new Shard[limits_.shards]),
      user_shards_(new UserShard[limits_.shards]) {}

PendingTable::~PendingTable() = default;

PendingTable::Shard& PendingTable::ShardFor(std::string_view device_id) {
  return shards_[std::hash<std::string_view>{}(device_id) % limits_.shards];
}

PendingTable::UserShard& PendingTable::UserShardFor(std::string_view user_id) {
  return user_shards_[std::hash<std::string_view>{}(user_id) % limits_.shards];
}

bool PendingTable::ReserveUser(std::string_view user_id) {
  UserShard& shard = UserShardFor(user_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.per_user.find(user_id);
  if (it == shard.per_user.end()) {
    if (limits_.max_per_user == 0) return false;
    shard.per_user.emplace(std::string(user_id), 1);
    return true;
  }
  if (it->second >= limits_.max_per_user) return false;
  ++it->second;
  return true;
}

void PendingTable::ReleaseUser(std::string_view user_id) {
  UserShard& shard = UserShardFor(user_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.per_user.find(user_id);
  if (it == shard.per_user.end()) return;
  if (--it->second == 0) shard.per_user.erase(it);
}

InsertResult PendingTable::Insert(const PendingRequest& request) {
  if (request.device_id.size() > 64 || request.request_id.size() > 64 ||
      request.user_id.size() > 255) {
    return InsertResult::kInvalid;
  }
  const Key key(request.device_id, request.request_id);
  Shard& shard = ShardFor(request.device_id);
  std::lock_guard lock(shard.mutex);
  if (shard.entries.contains(key.view())) return InsertResult::kDuplicate;

  auto device = shard.per_device.find(request.device_id);
  const std::uint32_t device_count = device == shard.per_device.end() ? 0 : device->second;
  if (device_count >= limits_.max_per_device) return InsertResult::kDeviceFull;
  if (pending_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_total) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    return InsertResult::kTableFull;
  }
  if (!ReserveUser(request.user_id)) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    return InsertResult::kUserFull;
  }

  Shard::Entry entry;
  entry.user_and_client.reserve(request.user_id.size() + request.requester_clientid.size());
  entry.user_and_client.append(request.user_id).append(request.requester_clientid);
  entry.user_len = static_cast<std::uint8_t>(request.user_id.size());
  entry.sent_at = request.sent_at;
  entry.deadline = request.deadline;
  entry.method = request.method;
  shard.entries.emplace(std::string(key.view()), std::move(entry));
  if (device == shard.per_device.end()) {
    shard.per_device.emplace(request.device_id, 1);
  } else {
    ++device->second;
  }
  shard.next_event = std::min(shard.next_event, request.deadline);
  shard.MarkChanged(key.view(), limits_.track_changes);
  return InsertResult::kOk;
}

IdUse PendingTable::Lookup(std::string_view device_id, std::string_view request_id,
                           std::string_view requester_clientid) {
  if (device_id.size() > 64 || request_id.size() > 64) return IdUse::kFree;
  const Key key(device_id, request_id);
  Shard& shard = ShardFor(device_id);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(key.view());
  if (it == shard.entries.end()) return IdUse::kFree;
  return it->second.clientid() == requester_clientid ? IdUse::kSameRequester
                                                     : IdUse::kOtherRequester;
}

TakeResult PendingTable::Take(std::string_view device_id, std::string_view request_id,
                              std::string_view user_id, SteadyTime now) {
  if (device_id.size() > 64 || request_id.size() > 64) return {};
  const Key key(device_id, request_id);
  Shard& shard = ShardFor(device_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key.view());
  if (it == shard.entries.end()) return Only(TakeStatus::kUnknown);
  Shard::Entry& entry = it->second;
  switch (entry.state) {
    case State::kAnswered:
      return Only(TakeStatus::kAlreadyAnswered);
    case State::kTimedOut:
      return Only(TakeStatus::kExpired);
    case State::kPending:
      break;
  }
  if (entry.user() != user_id) return Only(TakeStatus::kUserMismatch);
  if (now >= entry.deadline) return Only(TakeStatus::kExpired);

  const TakeResult result{TakeStatus::kTaken, entry.method, entry.sent_at};
  shard.MarkChanged(key.view(), limits_.track_changes);
  ReleaseUser(entry.user());
  pending_.fetch_sub(1, std::memory_order_relaxed);
  if (auto device = shard.per_device.find(device_id); device != shard.per_device.end()) {
    if (--device->second == 0) shard.per_device.erase(device);
  }
  if (tombstones_.fetch_add(1, std::memory_order_relaxed) < limits_.max_tombstones) {
    entry.state = State::kAnswered;
    entry.deadline += limits_.tombstone_linger;
  } else {
    tombstones_.fetch_sub(1, std::memory_order_relaxed);
    shard.entries.erase(it);
  }
  return result;
}

std::vector<PendingRequest> PendingTable::SweepExpired(SteadyTime now) {
  std::vector<PendingRequest> expired;
  for (std::size_t i = 0; i < limits_.shards; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard lock(shard.mutex);
    if (now < shard.next_event) continue;
    SteadyTime next = SteadyTime::max();
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
      Shard::Entry& entry = it->second;
      if (entry.deadline > now) {
        next = std::min(next, entry.deadline);
        ++it;
        continue;
      }
      if (entry.state != State::kPending) {  // a tombstone past its linger
        tombstones_.fetch_sub(1, std::memory_order_relaxed);
        it = shard.entries.erase(it);
        continue;
      }
      const std::string_view key = it->first;
      shard.MarkChanged(key, limits_.track_changes);
      const auto slash = key.find('/');
      PendingRequest request{std::string(key.substr(0, slash)),
                             std::string(key.substr(slash + 1)),
                             std::string(entry.user()),
                             std::string(entry.clientid()),
                             entry.method,
                             entry.sent_at,
                             entry.deadline};
      ReleaseUser(entry.user());
      pending_.fetch_sub(1, std::memory_order_relaxed);
      if (auto device = shard.per_device.find(request.device_id);
          device != shard.per_device.end()) {
        if (--device->second == 0) shard.per_device.erase(device);
      }
      expired.push_back(std::move(request));
      if (tombstones_.fetch_add(1, std::memory_order_relaxed) < limits_.max_tombstones) {
        entry.state = State::kTimedOut;
        entry.deadline = now + limits_.tombstone_linger;
        next = std::min(next, entry.deadline);
        ++it;
      } else {
        tombstones_.fetch_sub(1, std::memory_order_relaxed);
        it = shard.entries.erase(it);
      }
    }
    shard.next_event = next;
  }
  return expired;
}

std::vector<PendingChange> PendingTable::DrainChanges() {
  std::vector<PendingChange> changes;
  if (!limits_.track_changes) return changes;
  for (std::size_t i = 0; i < limits_.shards; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard lock(shard.mutex);
    for (const std::string& key : shard.changed) {
      const auto slash = key.find('/');
      PendingChange change{key.substr(0, slash), key.substr(slash + 1), std::nullopt};
      if (auto it = shard.entries.find(key);
          it != shard.entries.end() && it->second.state == State::kPending) {
        const Shard::Entry& entry = it->second;
        change.pending = PendingRequest{change.device_id,
                                        change.request_id,
                                        std::string(entry.user()),
                                        std::string(entry.clientid()),
                                        entry.method,
                                        entry.sent_at,
                                        entry.deadline};
      }
      changes.push_back(std::move(change));
    }
    shard.changed.clear();
  }
  return changes;
}

}  // namespace iothub::rpc
