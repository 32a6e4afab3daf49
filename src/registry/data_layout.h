// Where the hub keeps its files inside the data directory (server.data_dir): the
// database and the CA. Shared by `serve` and the CLI so both open the same files.
// Pure functions; thread-safe.
#pragma once

#include <filesystem>

namespace iothub::registry {

// <data_dir>/hub.db: the SQLite store.
inline std::filesystem::path DatabasePath(const std::filesystem::path& data_dir) {
  return data_dir / "hub.db";
}

// <data_dir>/state.db: the hub's sessions and pending RPC requests, written behind so
// that a restart resumes them (store/sqlite_state_journal.h).
inline std::filesystem::path StateJournalPath(const std::filesystem::path& data_dir) {
  return data_dir / "state.db";
}

// <data_dir>/hub-id: this hub's name among the hubs sharing Redis, kept across restarts
// (app/hub_instance_id.h).
inline std::filesystem::path HubIdPath(const std::filesystem::path& data_dir) {
  return data_dir / "hub-id";
}

// <data_dir>/ca/: ca.key (0600) and ca.crt, and the rotated CAs (registry/ca_keyring.h).
inline std::filesystem::path CaDirectory(const std::filesystem::path& data_dir) {
  return data_dir / "ca";
}

// <data_dir>/issued/: a copy of each server certificate `iot-hub ca issue-server` wrote
// (server-<CN>.crt, public), so that the hub can warn before it expires.
inline std::filesystem::path IssuedServerDirectory(const std::filesystem::path& data_dir) {
  return data_dir / "issued";
}

}  // namespace iothub::registry
