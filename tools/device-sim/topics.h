// Topic helpers for the device simulator (iot-hub contract section 1). Pure.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace iothub::device_sim {

// "users/{user}/devices/{device}/{leaf}".
inline std::string DeviceTopic(const std::string& user, const std::string& device,
                               const std::string& leaf) {
  return "users/" + user + "/devices/" + device + "/" + leaf;
}

// {user, device} of "users/{user}/devices/{device}/rpc/request", else nullopt.
inline std::optional<std::pair<std::string, std::string>> ParseRequestTopic(
    const std::string& topic) {
  const std::string prefix = "users/";
  const std::string suffix = "/rpc/request";
  if (topic.rfind(prefix, 0) != 0 || topic.size() <= prefix.size() + suffix.size() ||
      topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const std::string middle =
      topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size());
  const size_t slash = middle.find("/devices/");
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  std::string user = middle.substr(0, slash);
  std::string device = middle.substr(slash + 9);
  if (device.empty() || device.find('/') != std::string::npos) return std::nullopt;
  return std::make_pair(user, device);
}

}  // namespace iothub::device_sim
