#include "acl/placeholder.h"

namespace iothub::acl {

std::string_view ToString(Placeholder placeholder) {
  switch (placeholder) {
    case Placeholder::kClientId:
      return "${clientid}";
    case Placeholder::kUsername:
      return "${username}";
    case Placeholder::kDeviceId:
      return "${device_id}";
    case Placeholder::kUserId:
      return "${user_id}";
  }
  return "${?}";
}

std::optional<Placeholder> ParsePlaceholder(std::string_view level) {
  for (Placeholder p : {Placeholder::kClientId, Placeholder::kUsername, Placeholder::kDeviceId,
                        Placeholder::kUserId}) {
    if (level == ToString(p)) return p;
  }
  return std::nullopt;
}

}  // namespace iothub::acl
