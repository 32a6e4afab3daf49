// AclCache: recent authorize answers per Mosquitto client, reused for the same action and
// topic until they are `ttl` old, like EMQX's per-connection authz cache (Mosquitto has
// none, so without it every publish is a round trip to the hub). At most kPerClient
// entries per client (the oldest set is dropped whole when full); a client's entries go
// when it disconnects. A ttl of zero caches nothing. Not thread-safe (Mosquitto is
// single-threaded).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace iothub::mosquitto_plugin {

class AclCache {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kPerClient = 32;

  explicit AclCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  // The cached answer for (client, subscribe?, topic), or nullopt.
  std::optional<bool> Find(const void* client, bool subscribe, std::string_view topic,
                           Clock::time_point now) const;
  void Put(const void* client, bool subscribe, std::string_view topic, bool allowed,
           Clock::time_point now);
  void Forget(const void* client) { clients_.erase(client); }

 private:
  struct Answer {
    bool allowed;
    Clock::time_point expires;
  };
  static std::string Key(bool subscribe, std::string_view topic);

  std::chrono::milliseconds ttl_;
  std::unordered_map<const void*, std::unordered_map<std::string, Answer>> clients_;
};

}  // namespace iothub::mosquitto_plugin
