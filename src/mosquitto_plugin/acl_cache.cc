#include "mosquitto_plugin/acl_cache.h"

namespace iothub::mosquitto_plugin {

std::string AclCache::Key(bool subscribe, std::string_view topic) {
  std::string key(subscribe ? "s" : "p");
  key.append(topic);
  return key;
}

std::optional<bool> AclCache::Find(const void* client, bool subscribe, std::string_view topic,
                                   Clock::time_point now) const {
  if (ttl_.count() == 0) return std::nullopt;
  const auto entries = clients_.find(client);
  if (entries == clients_.end()) return std::nullopt;
  const auto answer = entries->second.find(Key(subscribe, topic));
  if (answer == entries->second.end() || answer->second.expires <= now) return std::nullopt;
  return answer->second.allowed;
}

void AclCache::Put(const void* client, bool subscribe, std::string_view topic, bool allowed,
                   Clock::time_point now) {
  if (ttl_.count() == 0) return;
  auto& entries = clients_[client];
  if (entries.size() >= kPerClient) entries.clear();
  entries[Key(subscribe, topic)] = {allowed, now + ttl_};
}

}  // namespace iothub::mosquitto_plugin
