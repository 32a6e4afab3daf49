// The hub's instance id: its name among the hubs that share Redis (presence sets, the
// hubs that counted each shared session's connections). Kept in <data_dir>/hub-id so
// that a restarted hub is the same hub: the connections it counted before, which
// stayed up at the broker, are still its own (it rebuilds their presence at start).
// Every hub needs a data dir of its own (two hubs on one data dir would be one hub).
// Called once at start-up; not thread-sensitive.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace iothub::app {

// The id in <data_dir>/hub-id, made (a random UUID) and written there when absent.
// InvalidArgument for a file this build did not write.
absl::StatusOr<std::string> LoadOrCreateHubId(const std::filesystem::path& data_dir);

}  // namespace iothub::app
