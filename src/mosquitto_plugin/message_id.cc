#include "mosquitto_plugin/message_id.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace iothub::mosquitto_plugin {

MessageIdGenerator::MessageIdGenerator() : pid_(static_cast<std::uint32_t>(getpid())) {}

std::string MessageIdGenerator::Next() {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%08x%08llx", static_cast<unsigned long long>(micros),
                pid_, static_cast<unsigned long long>(++counter_ & 0xFFFFFFFFull));
  return buf;
}

}  // namespace iothub::mosquitto_plugin
