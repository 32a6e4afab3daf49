// ValidateConfig: the checks a loaded configuration must pass before anything starts
// (addresses, backends and their URLs, log settings, hook names, key pairs, CA key type).
// The first problem is returned as InvalidArgument naming its key. Pure; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "app/config.h"

namespace iothub::app {

absl::Status ValidateConfig(const Config& config);

}  // namespace iothub::app
