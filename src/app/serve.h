// RunServe: the `iot-hub serve` command. Wires the modules from the config, starts the
// gRPC and HTTP servers, and runs until SIGTERM or SIGINT, then shuts down gracefully
// (in-flight calls finish). Returns the process exit status.
#pragma once

#include "app/config.h"

namespace iothub::app {

int RunServe(const Config& config);

}  // namespace iothub::app
