// HookSet: which hooks the hub asked for in its LoadedResponse, and the Mosquitto events
// the plugin must register for them. Pure; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "exhook.pb.h"

namespace iothub::mosquitto_plugin {

struct HookSet {
  bool authenticate = false;                // client.authenticate
  bool authorize = false;                   // client.authorize
  bool publish = false;                     // message.publish
  std::vector<std::string> publish_topics;  // its HookSpec.topics (empty: every topic)
  bool connected = false;                   // client.connected
  bool disconnected = false;                // client.disconnected
  std::vector<std::string> unsupported;     // hook names Mosquitto cannot provide

  // MOSQ_EVT_* values to register: BASIC_AUTH, ACL_CHECK, MESSAGE as asked, and
  // DISCONNECT whenever anything is registered (it also clears the session cache).
  std::vector<int> Events() const;
};

HookSet HookSetFromLoaded(const emqx::exhook::v2::LoadedResponse& loaded);

// Every event the plugin may need, registered while the hub has not answered yet.
std::vector<int> AllEvents();

}  // namespace iothub::mosquitto_plugin
