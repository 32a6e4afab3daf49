// MessageIdGenerator: unique 128-bit hex ids for Message.id, like EMQX's GUIDs
// (microsecond time, process id, counter). Not thread-safe: one per Mosquitto thread.
#pragma once

#include <cstdint>
#include <string>

namespace iothub::mosquitto_plugin {

class MessageIdGenerator {
 public:
  MessageIdGenerator();
  // 32 lowercase hex characters, never repeated within this process.
  std::string Next();

 private:
  std::uint32_t pid_;
  std::uint64_t counter_ = 0;
};

}  // namespace iothub::mosquitto_plugin
