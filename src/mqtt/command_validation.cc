#include "mqtt/command_validation.h"

#include <string>

#include "common/ids.h"
#include "common/printable.h"

namespace iothub::mqtt {

absl::Status ValidateCommand(const CommandRequest& request, rpc::Method* method) {
  if (!IsValidId(request.user_id)) {
    return absl::InvalidArgumentError("userId: must be 1-64 characters [A-Za-z0-9_-]");
  }
  if (!IsValidId(request.device_id)) {
    return absl::InvalidArgumentError("deviceId: must be 1-64 characters [A-Za-z0-9_-]");
  }
  const std::optional<rpc::Method> parsed = rpc::ParseMethod(request.method);
  if (!parsed.has_value()) {
    return absl::InvalidArgumentError("method: unknown method '" + Printable(request.method, 64) +
                                      "'");
  }
  if (absl::Status status = rpc::ValidateParams(*parsed, request.params); !status.ok()) {
    return status;  // already InvalidArgument naming `params.<field>` and the rule
  }
  if (request.timeout < kMinCommandTimeout || request.timeout > kMaxCommandTimeout) {
    return absl::InvalidArgumentError("timeout: must be 1000-30000 ms");
  }
  if (method != nullptr) *method = *parsed;
  return absl::OkStatus();
}

}  // namespace iothub::mqtt
