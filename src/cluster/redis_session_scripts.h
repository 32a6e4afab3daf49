// The Redis side of RedisSessionDirectory (data model in redis_session_directory.h):
// its Lua scripts, the arguments of each call and what each reply means, shared by the
// waiting and the pipelined forms of every call so that both send and read the same.
// Each *Args object owns its strings and hands out views into them: it must outlive
// the Eval that uses it (EvalAsync copies at once). Stateless functions, thread-safe.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/session_directory.h"
#include "cluster/redis_client.h"
#include "model/principal.h"

namespace iothub::cluster {

inline constexpr std::string_view kSessionPrefix = "iothub:s:";
inline constexpr std::string_view kSessionChannel = "iothub:sessions";

std::string SessionKey(std::string_view clientid);

// What a script call sends: its keys and args, views into strings that the derived
// class owns (so neither copyable nor movable).
class ScriptArgs {
 public:
  ScriptArgs(const ScriptArgs&) = delete;
  ScriptArgs& operator=(const ScriptArgs&) = delete;
  const std::vector<std::string_view>& keys() const { return keys_; }
  const std::vector<std::string_view>& args() const { return args_; }

 protected:
  ScriptArgs() = default;
  ~ScriptArgs() = default;
  std::vector<std::string_view> keys_, args_;  // set by the derived constructor
};

// The Admit script: records `principal` for `clientid` at `now` unless another holder
// has a live session, and tells the other hubs when the principal text changed.
class AdmitArgs final : public ScriptArgs {
 public:
  AdmitArgs(std::string_view clientid, const Principal& principal, UnixMillis now,
            std::string_view hub_id);
  static const RedisScript& Script();

 private:
  const std::string key_, text_, holder_, now_ms_, message_;
};
absl::StatusOr<auth::SessionDirectory::AdmitOutcome> AdmitOutcomeOf(
    const absl::StatusOr<RedisReply>& reply);

// The Connected script: a pending admission of `clientid` becomes a live connection
// counted by `hub_id` (nothing when there is no session).
class ConnectedArgs final : public ScriptArgs {
 public:
  ConnectedArgs(std::string_view clientid, std::string_view hub_id);
  static const RedisScript& Script();

 private:
  const std::string key_, max_;
};
absl::Status ConnectedStatusOf(const absl::StatusOr<RedisReply>& reply);

// The Disconnected script: the oldest connection of `clientid` ends (else a pending
// admission); the session is deleted when nothing is left of it.
class DisconnectedArgs final : public ScriptArgs {
 public:
  DisconnectedArgs(std::string_view clientid, UnixMillis now, std::string_view hub_id);
  static const RedisScript& Script();

 private:
  const std::string key_, now_ms_, message_;
};
struct DisconnectOutcome {
  bool counted_here = false;  // the connection that ended was counted by this hub
  bool ended = false;         // the session ended (its cache entries must go)
  std::string device;         // the session's device id ("" unless a device)
};
absl::StatusOr<DisconnectOutcome> DisconnectOf(absl::StatusOr<RedisReply> reply);

// The session lookup (HGET of the principal): the principal, nullptr when there is no
// session, an error for text this build did not write.
std::array<std::string_view, 3> LookupCommand(const std::string& key);
absl::StatusOr<std::shared_ptr<const Principal>> PrincipalOf(
    const absl::StatusOr<RedisReply>& reply);

}  // namespace iothub::cluster
