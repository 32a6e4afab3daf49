// MqttCommandSender: the HTTP API's CommandSender on top of the hub's MQTT command
// service. Translates the request and reply shapes; a -32000 reply (the pipeline's own
// "Request timeout", sent when the broker-side deadline passes first) becomes 408 like
// a local timeout. Thread-safe (the command service is).
#pragma once

#include "http/command_sender.h"
#include "mqtt/command_service.h"

namespace iothub::app {

class MqttCommandSender final : public http::CommandSender {
 public:
  explicit MqttCommandSender(mqtt::CommandService& commands) : commands_(commands) {}

  // http::CommandSender
  http::CommandOutcome Send(const http::CommandRequest& request, bool wait) override;

 private:
  mqtt::CommandService& commands_;
};

}  // namespace iothub::app
