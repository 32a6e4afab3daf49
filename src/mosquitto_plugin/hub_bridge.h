// HubBridge: the plugin's state and its answer to each Mosquitto event, calling the hub
// as EMQX 5.3 would (see docs in plugin_entry.cc for the mosquitto.conf lines).
// Not thread-safe: every method runs on Mosquitto's single thread.
#pragma once

#include <mosquitto_broker.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "mosquitto_plugin/acl_cache.h"
#include "mosquitto_plugin/hook_client.h"
#include "mosquitto_plugin/hook_set.h"
#include "mosquitto_plugin/message_id.h"
#include "mosquitto_plugin/plugin_options.h"
#include "mosquitto_plugin/session_cache.h"

namespace iothub::mosquitto_plugin {

class HubBridge {
 public:
  HubBridge(PluginOptions options, std::unique_ptr<HookClient> hub, std::string node,
            std::string broker_version);

  // Calls OnProviderLoaded unless done already. At start-up it waits up to the timeout for
  // the hub; later it is tried at most once a second and only once the channel is
  // connected, so a missing hub never blocks Mosquitto. True when the hooks are known.
  bool EnsureLoaded(bool at_start = false);
  bool loaded() const { return hooks_.has_value(); }
  const HookSet& hooks() const { return *hooks_; }

  int OnBasicAuth(mosquitto_evt_basic_auth* event);
  int OnAclCheck(mosquitto_evt_acl_check* event);
  int OnMessage(mosquitto_evt_message* event);
  void OnDisconnect(mosquitto_evt_disconnect* event);
  // Best-effort OnProviderUnloaded at shutdown.
  void Unload();

 private:
  // Whether `client` is this broker's own bridge to another broker (plugin option
  // bridge_clientids), whose messages the other broker's hub decided.
  bool IsOwnBridge(mosquitto* client);
  // The facts of a client: cached at authentication, else read from Mosquitto now.
  std::optional<ClientFacts> FactsOf(mosquitto* client);

  PluginOptions options_;
  std::unique_ptr<HookClient> hub_;
  std::string node_;
  std::string broker_version_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point next_load_attempt_{};
  std::optional<HookSet> hooks_;
  SessionCache sessions_;
  std::unique_ptr<AclCache> acl_cache_;  // from options_.acl_cache
  MessageIdGenerator ids_;
};

// "mosquitto-2.0.11": the version Mosquitto's headers were built with (the broker does
// not export mosquitto_lib_version).
std::string BrokerVersion();

// "mosquitto@<hostname>".
std::string NodeName();

}  // namespace iothub::mosquitto_plugin
