#include "mosquitto_plugin/publish_translation.h"

#include <mosquitto.h>

namespace iothub::mosquitto_plugin {

using emqx::exhook::v2::Message;
using emqx::exhook::v2::ValuedResponse;

Message MakePublishMessage(const ClientFacts& publisher, std::string id, std::string_view topic,
                           std::string_view payload, std::uint32_t qos,
                           std::uint64_t timestamp_ms) {
  Message message;
  message.set_node(publisher.node);
  message.set_id(std::move(id));
  message.set_qos(qos);
  message.set_from(publisher.clientid);
  message.set_topic(std::string(topic));
  message.set_payload(std::string(payload));
  message.set_timestamp(timestamp_ms);
  auto& headers = *message.mutable_headers();
  headers["username"] = publisher.username;
  headers["protocol"] = "mqtt";
  headers["peerhost"] = publisher.peerhost;
  headers["allow_publish"] = "true";
  return message;
}

PublishAction ApplyPublishAnswer(const Message& sent,
                                 const absl::StatusOr<ValuedResponse>& answer) {
  PublishAction action;
  if (!answer.ok()) {
    // EMQX lets the message pass when the call fails; here the hub asked to check these
    // topics, so one it could not check is not delivered.
    action.kind = PublishAction::Kind::kDrop;
    action.note = "the hub did not answer";
    return action;
  }
  if (answer->type() == ValuedResponse::IGNORE ||
      answer->value_case() != ValuedResponse::kMessage) {
    return action;  // kPass
  }
  const Message& back = answer->message();
  auto allow = back.headers().find("allow_publish");
  if (allow != back.headers().end() && allow->second == "false") {
    action.kind = PublishAction::Kind::kDrop;
    action.note = "allow_publish false";
    return action;
  }
  if (back.topic().empty() || mosquitto_pub_topic_check(back.topic().c_str()) != MOSQ_ERR_SUCCESS) {
    action.kind = PublishAction::Kind::kDrop;
    action.note = "the hub returned an empty or invalid topic";
    return action;
  }
  action.kind = PublishAction::Kind::kRewrite;
  action.topic = back.topic();
  action.payload = back.payload();
  action.qos = back.qos() > 2 ? sent.qos() : back.qos();
  return action;
}

bool WantsPublish(const std::vector<std::string>& filters, std::string_view topic) {
  if (topic.substr(0, 5) == "$SYS/") return false;
  if (filters.empty()) return true;
  const std::string name(topic);
  for (const std::string& filter : filters) {
    bool match = false;
    if (mosquitto_topic_matches_sub(filter.c_str(), name.c_str(), &match) == MOSQ_ERR_SUCCESS &&
        match) {
      return true;
    }
  }
  return false;
}

}  // namespace iothub::mosquitto_plugin
