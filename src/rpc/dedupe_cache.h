// DedupeCache: the decisions of the last N message.publish calls by Message.id, so that
// a hook EMQX calls twice for the same message (5.9.0-6.0.2, 6.1.0-6.1.1 after a reload)
// gets the same answer without repeating side effects. EMQX runs a provider chain in
// order, so the second call starts after the first answered: Get-then-Put suffices.
//
// Bounded: each shard is a ring of capacity / shards ids; the oldest is forgotten first.
// Thread-safe: sharded by id, a mutex per shard.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "rpc/publish_decision.h"

namespace iothub::rpc {

class DedupeCache {
 public:
  // `capacity` 0 disables the cache.
  explicit DedupeCache(std::size_t capacity, std::size_t shards = 16);
  DedupeCache(const DedupeCache&) = delete;
  DedupeCache& operator=(const DedupeCache&) = delete;
  ~DedupeCache();

  std::optional<PublishDecision> Get(std::string_view message_id) const;
  // Remembers the decision for `message_id` (an empty id is ignored).
  void Put(std::string_view message_id, const PublishDecision& decision);

 private:
  struct Shard;
  Shard& ShardFor(std::string_view message_id) const;

  std::size_t shard_count_;
  std::size_t per_shard_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace iothub::rpc
