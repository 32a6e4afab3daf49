// ValidateCommand: checks a command before anything is published: ids, method, params
// and timeout, with the same rules the hub's RPC pipeline applies to requests
// (common/ids.h, rpc/method_catalog.h), so a refused command never reaches the broker.
// Pure function; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "mqtt/command.h"
#include "rpc/method_catalog.h"

namespace iothub::mqtt {

// OK, or InvalidArgument whose message names the field and the rule, e.g.
// `userId: must be 1-64 characters [A-Za-z0-9_-]`, `method: unknown method 'foo'`,
// `params.startTime: must be an integer 0-1439`, `timeout: must be 1000-30000 ms`.
// On success *method holds the parsed method when `method` is not null.
absl::Status ValidateCommand(const CommandRequest& request, rpc::Method* method = nullptr);

}  // namespace iothub::mqtt
