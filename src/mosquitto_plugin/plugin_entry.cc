// The Mosquitto 2.0 plugin entry points (plugin API v5) of iot-hub-mosquitto.so.
//
// mosquitto.conf:
//   per_listener_settings false
//   plugin /path/to/iot-hub-mosquitto.so
//   plugin_opt_url 127.0.0.1:9000
//   plugin_opt_timeout_ms 1000         (optional)
//   plugin_opt_service v2              (optional: v2 or v3)
//   plugin_opt_tls_ca / _tls_cert / _tls_key   (optional: TLS / mTLS to the hub)
//   plugin_opt_sockport 8883           (optional: ClientInfo.sockport to report)
// Do NOT set use_identity_as_username / use_subject_as_username on the listener:
// Mosquitto then skips MOSQ_EVT_BASIC_AUTH entirely.
//
// Runs on Mosquitto's single thread; callbacks registered here are called from it.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mosquitto_plugin/hub_bridge.h"

namespace iothub::mosquitto_plugin {
namespace {

struct PluginInstance {
  mosquitto_plugin_id_t* id = nullptr;
  std::unique_ptr<HubBridge> bridge;
  std::vector<int> registered;  // MOSQ_EVT_* currently registered (besides TICK)
  bool tick_registered = false;
  bool pruned = false;  // unneeded events unregistered after a late load
};

PluginInstance* Instance(void* userdata) { return static_cast<PluginInstance*>(userdata); }

int HandleBasicAuth(int, void* event, void* userdata) {
  return Instance(userdata)->bridge->OnBasicAuth(static_cast<mosquitto_evt_basic_auth*>(event));
}
int HandleAclCheck(int, void* event, void* userdata) {
  return Instance(userdata)->bridge->OnAclCheck(static_cast<mosquitto_evt_acl_check*>(event));
}
int HandleMessage(int, void* event, void* userdata) {
  return Instance(userdata)->bridge->OnMessage(static_cast<mosquitto_evt_message*>(event));
}
int HandleDisconnect(int, void* event, void* userdata) {
  Instance(userdata)->bridge->OnDisconnect(static_cast<mosquitto_evt_disconnect*>(event));
  return MOSQ_ERR_SUCCESS;
}

MOSQ_FUNC_generic_callback CallbackFor(int event) {
  switch (event) {
    case MOSQ_EVT_BASIC_AUTH:
      return HandleBasicAuth;
    case MOSQ_EVT_ACL_CHECK:
      return HandleAclCheck;
    case MOSQ_EVT_MESSAGE:
      return HandleMessage;
    default:
      return HandleDisconnect;
  }
}

// Unregisters events the hub did not ask for. Runs from TICK only: unregistering a
// callback from inside its own event list would free the node being iterated.
void PruneEvents(PluginInstance* plugin) {
  const std::vector<int> wanted = plugin->bridge->hooks().Events();
  std::vector<int> kept;
  for (int event : plugin->registered) {
    if (std::find(wanted.begin(), wanted.end(), event) != wanted.end()) {
      kept.push_back(event);
    } else {
      mosquitto_callback_unregister(plugin->id, event, CallbackFor(event), nullptr);
    }
  }
  plugin->registered = std::move(kept);
  plugin->pruned = true;
}

// The retry loop while the hub has not answered OnProviderLoaded.
int HandleTick(int, void*, void* userdata) {
  PluginInstance* plugin = Instance(userdata);
  if (plugin->pruned) return MOSQ_ERR_SUCCESS;
  if (plugin->bridge->EnsureLoaded()) PruneEvents(plugin);
  return MOSQ_ERR_SUCCESS;
}

int Register(PluginInstance* plugin, const std::vector<int>& events) {
  for (int event : events) {
    int rc = mosquitto_callback_register(plugin->id, event, CallbackFor(event), nullptr, plugin);
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "iot-hub: cannot register event %d: %s", event,
                           mosquitto_strerror(rc));
      return rc;
    }
    plugin->registered.push_back(event);
  }
  return MOSQ_ERR_SUCCESS;
}

void UnregisterAll(PluginInstance* plugin) {
  for (int event : plugin->registered) {
    mosquitto_callback_unregister(plugin->id, event, CallbackFor(event), nullptr);
  }
  plugin->registered.clear();
  if (plugin->tick_registered) {
    mosquitto_callback_unregister(plugin->id, MOSQ_EVT_TICK, HandleTick, nullptr);
    plugin->tick_registered = false;
  }
}

}  // namespace
}  // namespace iothub::mosquitto_plugin

using iothub::mosquitto_plugin::PluginInstance;

extern "C" int mosquitto_plugin_version(int supported_version_count,
                                        const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

extern "C" int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                                     struct mosquitto_opt* options, int option_count) {
  namespace mp = iothub::mosquitto_plugin;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < option_count; ++i) {
    pairs.emplace_back(options[i].key ? options[i].key : "",
                       options[i].value ? options[i].value : "");
  }
  auto parsed = mp::ParsePluginOptions(pairs);
  if (!parsed.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "iot-hub: %s",
                         std::string(parsed.status().message()).c_str());
    return MOSQ_ERR_INVAL;
  }
  const std::string node = mp::NodeName();
  const std::string version = mp::BrokerVersion();
  emqx::exhook::v2::RequestMeta meta;
  meta.set_node(node);
  meta.set_version(version);
  meta.set_sysdescr("Mosquitto");
  meta.set_cluster_name("mosquitto");
  auto hub = mp::MakeGrpcHookClient(*parsed, std::move(meta));
  if (!hub.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "iot-hub: %s", std::string(hub.status().message()).c_str());
    return MOSQ_ERR_INVAL;
  }
  auto plugin = std::make_unique<PluginInstance>();
  plugin->id = identifier;
  plugin->bridge = std::make_unique<mp::HubBridge>(*parsed, *std::move(hub), node, version);

  int rc = MOSQ_ERR_SUCCESS;
  if (plugin->bridge->EnsureLoaded(/*at_start=*/true)) {
    plugin->pruned = true;
    rc = mp::Register(plugin.get(), plugin->bridge->hooks().Events());
  } else {
    // Fail closed until the hub answers: every event, plus TICK to retry and prune.
    rc = mp::Register(plugin.get(), mp::AllEvents());
    if (rc == MOSQ_ERR_SUCCESS &&
        mosquitto_callback_register(identifier, MOSQ_EVT_TICK, mp::HandleTick, nullptr,
                                    plugin.get()) == MOSQ_ERR_SUCCESS) {
      plugin->tick_registered = true;
    }
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    mp::UnregisterAll(plugin.get());
    return rc;
  }
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "iot-hub: plugin ready, hub %s, %s", parsed->url.c_str(),
                       plugin->bridge->loaded() ? "hooks loaded" : "hub not reachable yet");
  *userdata = plugin.release();
  return MOSQ_ERR_SUCCESS;
}

extern "C" int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt*, int) {
  std::unique_ptr<PluginInstance> plugin(static_cast<PluginInstance*>(userdata));
  if (!plugin) return MOSQ_ERR_SUCCESS;
  iothub::mosquitto_plugin::UnregisterAll(plugin.get());
  plugin->bridge->Unload();
  return MOSQ_ERR_SUCCESS;
}
