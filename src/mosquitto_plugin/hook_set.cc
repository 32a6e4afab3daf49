#include "mosquitto_plugin/hook_set.h"

#include <mosquitto_broker.h>

namespace iothub::mosquitto_plugin {

HookSet HookSetFromLoaded(const emqx::exhook::v2::LoadedResponse& loaded) {
  HookSet set;
  for (const auto& spec : loaded.hooks()) {
    const std::string& name = spec.name();
    if (name == "client.authenticate") {
      set.authenticate = true;
    } else if (name == "client.authorize") {
      set.authorize = true;
    } else if (name == "message.publish") {
      set.publish = true;
      set.publish_topics.assign(spec.topics().begin(), spec.topics().end());
    } else if (name == "client.connected") {
      set.connected = true;
    } else if (name == "client.disconnected") {
      set.disconnected = true;
    } else {
      set.unsupported.push_back(name);
    }
  }
  return set;
}

std::vector<int> HookSet::Events() const {
  std::vector<int> events;
  if (authenticate) events.push_back(MOSQ_EVT_BASIC_AUTH);
  if (authorize) events.push_back(MOSQ_EVT_ACL_CHECK);
  if (publish) events.push_back(MOSQ_EVT_MESSAGE);
  if (!events.empty() || disconnected) events.push_back(MOSQ_EVT_DISCONNECT);
  return events;
}

std::vector<int> AllEvents() {
  return {MOSQ_EVT_BASIC_AUTH, MOSQ_EVT_ACL_CHECK, MOSQ_EVT_MESSAGE, MOSQ_EVT_DISCONNECT};
}

}  // namespace iothub::mosquitto_plugin
