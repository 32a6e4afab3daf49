#include "model/renewal_topic.h"

namespace iothub {
namespace {

constexpr std::string_view kPrefix = "devices/";
constexpr std::string_view kRequestSuffix = "/cert/renew";
constexpr std::string_view kReplySuffix = "/cert/renew/reply";

}  // namespace

RenewalTopic ParseRenewalTopic(std::string_view topic) {
  if (!topic.starts_with(kPrefix)) return {};
  const std::string_view tail = topic.substr(kPrefix.size());
  const std::size_t slash = tail.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  const std::string_view device = tail.substr(0, slash);
  const std::string_view rest = tail.substr(slash);
  if (rest == kRequestSuffix) return {RenewalTopicKind::kRequest, device};
  if (rest == kReplySuffix) return {RenewalTopicKind::kReply, device};
  return {};
}

std::string RenewRequestTopic(std::string_view device_id) {
  return std::string(kPrefix) + std::string(device_id) + std::string(kRequestSuffix);
}

std::string RenewReplyTopic(std::string_view device_id) {
  return std::string(kPrefix) + std::string(device_id) + std::string(kReplySuffix);
}

}  // namespace iothub
