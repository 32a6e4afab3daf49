// The `iot-hub` command line: subcommands, global flags (--config, --data-dir on every
// subcommand), exit statuses (0 success, 1 runtime failure, 2 usage or config error).
#pragma once

namespace iothub::app {

int RunCli(int argc, char** argv);

}  // namespace iothub::app
