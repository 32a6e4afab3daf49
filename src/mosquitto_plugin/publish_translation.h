// Publish translation: a Mosquitto MOSQ_EVT_MESSAGE as the ExHook Message EMQX 5.3 sends
// to message.publish, and the hub's answer as the action to take on the message.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "exhook.pb.h"
#include "mosquitto_plugin/client_facts.h"

namespace iothub::mosquitto_plugin {

// The Message of OnMessagePublish: from = clientid; headers username, protocol "mqtt",
// peerhost and allow_publish "true".
emqx::exhook::v2::Message MakePublishMessage(const ClientFacts& publisher, std::string id,
                                             std::string_view topic, std::string_view payload,
                                             std::uint32_t qos, std::uint64_t timestamp_ms);

// What to do with the message after the hub answered.
struct PublishAction {
  enum class Kind {
    kPass,     // unchanged (IGNORE, no message value)
    kDrop,     // allow_publish "false", a returned topic Mosquitto cannot route, or no
               // answer (error, timeout): fail closed, an RPC message never passes unchecked
    kRewrite,  // replace topic / payload / qos with the fields below
  };
  Kind kind = Kind::kPass;
  std::string topic;
  std::string payload;
  std::uint32_t qos = 0;
  std::string note;  // why a message was dropped, for the log
};

// EMQX copies qos, topic and payload back from a CONTINUE/STOP_AND_RETURN message
// (a partial message blanks them); only the allow_publish header is read. A blank or
// wildcard topic cannot be published by Mosquitto, so such a message is dropped.
PublishAction ApplyPublishAnswer(const emqx::exhook::v2::Message& sent,
                                 const absl::StatusOr<emqx::exhook::v2::ValuedResponse>& answer);

// True when the hub wants message.publish for `topic`: it matches one of `filters`
// (an empty list matches everything) and is not a $SYS topic.
bool WantsPublish(const std::vector<std::string>& filters, std::string_view topic);

}  // namespace iothub::mosquitto_plugin
