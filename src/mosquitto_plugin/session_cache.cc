#include "mosquitto_plugin/session_cache.h"

#include <utility>

namespace iothub::mosquitto_plugin {

void SessionCache::Put(const void* client, ClientFacts facts, bool connected) {
  entries_[client] = Entry{std::move(facts), connected, false};
}

const SessionCache::Entry* SessionCache::Find(const void* client) const {
  auto it = entries_.find(client);
  return it == entries_.end() ? nullptr : &it->second;
}

const SessionCache::Entry* SessionCache::MarkDisconnected(const void* client) {
  auto it = entries_.find(client);
  if (it == entries_.end() || it->second.disconnected) return nullptr;
  it->second.disconnected = true;
  return &it->second;
}

void SessionCache::Sweep() {
  std::erase_if(entries_, [](const auto& item) { return item.second.disconnected; });
}

}  // namespace iothub::mosquitto_plugin
