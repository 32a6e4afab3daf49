#include "rpc/dedupe_cache.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/string_hash.h"

namespace iothub::rpc {

struct DedupeCache::Shard {
  mutable std::mutex mutex;
  StringMap<PublishDecision> by_id;
  std::vector<std::string> ring;  // insertion order; ring[next] is the oldest when full
  std::size_t next = 0;
};

DedupeCache::DedupeCache(std::size_t capacity, std::size_t shards)
    : shard_count_(std::max<std::size_t>(1, std::min(shards, std::max<std::size_t>(1, capacity)))),
      per_shard_(capacity == 0 ? 0 : std::max<std::size_t>(1, capacity / shard_count_)),
      shards_(new Shard[shard_count_]) {}

DedupeCache::~DedupeCache() = default;

DedupeCache::Shard& DedupeCache::ShardFor(std::string_view message_id) const {
  return shards_[std::hash<std::string_view>{}(message_id) % shard_count_];
}

std::optional<PublishDecision> DedupeCache::Get(std::string_view message_id) const {
  if (per_shard_ == 0 || message_id.empty()) return std::nullopt;
  Shard& shard = ShardFor(message_id);
  std::lock_guard lock(shard.mutex);
  auto it = shard.by_id.find(message_id);
  if (it == shard.by_id.end()) return std::nullopt;
  return it->second;
}

void DedupeCache::Put(std::string_view message_id, const PublishDecision& decision) {
  if (per_shard_ == 0 || message_id.empty()) return;
  Shard& shard = ShardFor(message_id);
  std::lock_guard lock(shard.mutex);
  auto [it, inserted] = shard.by_id.try_emplace(std::string(message_id), decision);
  if (!inserted) {
    it->second = decision;
    return;
  }
  if (shard.ring.size() < per_shard_) {
    shard.ring.emplace_back(message_id);
    return;
  }
  shard.by_id.erase(shard.ring[shard.next]);
  shard.ring[shard.next] = std::string(message_id);
  shard.next = (shard.next + 1) % per_shard_;
}

}  // namespace iothub::rpc
