#include "rpc/rpc_topic.h"

#include "common/ids.h"

namespace iothub::rpc {
namespace {

// Splits off the next level into `level`; `rest` loses it and its '/'; `more` turns
// false at the last level.
void NextLevel(std::string_view& rest, std::string_view& level, bool& more) {
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    level = rest;
    rest = {};
    more = false;
  } else {
    level = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
    more = true;
  }
}

}  // namespace

RpcTopic ParseRpcTopic(std::string_view topic) {
  constexpr std::string_view kPrefix = "users/";
  if (!topic.starts_with(kPrefix)) return {};
  std::string_view rest = topic.substr(kPrefix.size());
  std::string_view levels[5];
  bool more = true;
  for (auto& level : levels) {
    if (!more) return {};
    NextLevel(rest, level, more);
  }
  // levels: {u} devices {d} rpc request|response, and nothing after.
  if (more || levels[1] != "devices" || levels[3] != "rpc") return {};
  RpcTopicKind kind;
  if (levels[4] == "request") {
    kind = RpcTopicKind::kRequest;
  } else if (levels[4] == "response") {
    kind = RpcTopicKind::kResponse;
  } else {
    return {};
  }
  if (!IsValidId(levels[0]) || !IsValidId(levels[2])) return {RpcTopicKind::kMalformed, {}, {}};
  return {kind, levels[0], levels[2]};
}

std::string ResponseTopic(std::string_view user_id, std::string_view device_id) {
  std::string topic;
  topic.reserve(user_id.size() + device_id.size() + 28);
  topic.append("users/")
      .append(user_id)
      .append("/devices/")
      .append(device_id)
      .append("/rpc/response");
  return topic;
}

}  // namespace iothub::rpc
