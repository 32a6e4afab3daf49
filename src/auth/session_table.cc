#include "auth/session_table.h"

namespace iothub::auth {

void SessionTable::Admit(std::string_view clientid, std::shared_ptr<const Principal> principal) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) {
    shard.entries.emplace(std::string(clientid), Entry{std::move(principal), 0});
  } else {
    it->second.principal = std::move(principal);
  }
}

std::shared_ptr<const Principal> SessionTable::Find(std::string_view clientid) const {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  return it == shard.entries.end() ? nullptr : it->second.principal;
}

void SessionTable::Connected(std::string_view clientid) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it != shard.entries.end()) ++it->second.connections;
}

void SessionTable::Disconnected(std::string_view clientid) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(clientid);
  if (it == shard.entries.end()) return;
  // An entry never counted as connected (admitted, then the connect failed) goes too.
  if (--it->second.connections <= 0) shard.entries.erase(it);
}

std::size_t SessionTable::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace iothub::auth
