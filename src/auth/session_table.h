// SessionTable: who each connected MQTT client is. client.authenticate records the
// principal it admitted under the clientid (replacing any earlier one); client.authorize
// and message.publish read it; the last client.disconnected of that clientid forgets it.
//
// A session takeover (a second connection with the same clientid) authenticates and
// connects before the old connection's disconnected arrives, so each entry counts its
// live connections and is removed only when the count returns to zero.
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

#include "model/principal.h"

namespace iothub::auth {

class SessionTable {
 public:
  // Records the principal admitted for `clientid`, replacing the previous one.
  void Admit(std::string_view clientid, std::shared_ptr<const Principal> principal);
  // The principal admitted for `clientid`, or nullptr.
  std::shared_ptr<const Principal> Find(std::string_view clientid) const;
  // client.connected / client.disconnected of `clientid`.
  void Connected(std::string_view clientid);
  void Disconnected(std::string_view clientid);

  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    int connections = 0;
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

}  // namespace iothub::auth
