// SessionCache: the ClientFacts sent at authentication, per Mosquitto client, so that
// authorize, message.publish and disconnected carry the same username (EMQX keeps its
// clientinfo for the whole connection). Keyed by the `struct mosquitto*` address.
// A disconnected entry stays until the next Sweep(), because Mosquitto checks the will
// message's ACL right after MOSQ_EVT_DISCONNECT. Not thread-safe (Mosquitto is
// single-threaded).
#pragma once

#include <unordered_map>

#include "mosquitto_plugin/client_facts.h"

namespace iothub::mosquitto_plugin {

class SessionCache {
 public:
  struct Entry {
    ClientFacts facts;
    bool connected = false;     // authentication admitted the client
    bool disconnected = false;  // MOSQ_EVT_DISCONNECT seen; removed at the next Sweep
  };

  // Records (or replaces) the facts of `client` at authentication.
  void Put(const void* client, ClientFacts facts, bool connected);
  // Forgets `client` at once (a refused authentication).
  void Erase(const void* client) { entries_.erase(client); }
  // The entry of `client`, or nullptr.
  const Entry* Find(const void* client) const;
  // Marks `client` as gone and returns its entry as it was (nullptr when unknown).
  const Entry* MarkDisconnected(const void* client);
  // Forgets every entry marked disconnected.
  void Sweep();
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<const void*, Entry> entries_;
};

}  // namespace iothub::mosquitto_plugin
