// SessionDirectory: who each connected MQTT client is, as the hook handler asks it
// (client.authenticate records, client.authorize and message.publish read,
// client.connected / client.disconnected count). Two implementations, chosen in the
// app's wiring:
//  - LocalSessionDirectory (auth/local_session_directory.h): this hub's SessionTable,
//    for one hub per broker; never fails;
//  - cluster::RedisSessionDirectory: the sessions shared in Redis, so that any hub
//    answers any hook of any client (N hubs behind a load balancer), with a local
//    cache that keeps authorize and publish off the network.
// The rules are SessionTable's (auth/session_table.h): a live clientid belongs to its
// principal, and `pending` / `connections` generations are counted so that a stale
// disconnect never ends a newer session, whatever order the broker reports them in.
//
// Every call may fail when the sessions live in a shared store that is down or too
// slow: errors are values, bounded in time by the implementation, and the caller
// fails closed (an unknown client is denied, an admission that cannot be recorded is
// refused). Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "model/principal.h"

namespace iothub::auth {

class SessionDirectory {
 public:
  enum class AdmitOutcome {
    kAdmitted,
    kHeldByAnother,  // a live session of this clientid belongs to another principal
  };

  virtual ~SessionDirectory() = default;

  // Records `principal` for `clientid` at `now`, unless another principal holds it.
  virtual absl::StatusOr<AdmitOutcome> Admit(std::string_view clientid,
                                             std::shared_ptr<const Principal> principal,
                                             UnixMillis now) = 0;
  // The principal admitted for `clientid`, or nullptr when there is none.
  virtual absl::StatusOr<std::shared_ptr<const Principal>> Find(std::string_view clientid) = 0;
  // client.connected of `clientid` at `now`.
  virtual absl::Status Connected(std::string_view clientid, UnixMillis now) = 0;
  // client.disconnected of `clientid` at `now`: how many connections that this hub
  // counted as connected ended (for this hub's device presence).
  virtual absl::StatusOr<int> Disconnected(std::string_view clientid, UnixMillis now) = 0;

  // The calls above without waiting for a shared store, for the hook threads: `done`
  // runs exactly once with what the waiting call returns, on this thread before the
  // call returns (e.g. a cache hit) or later on the store's own thread. The arguments
  // need not outlive the call; `done` must not throw. A call that throws (allocation
  // failure) has not run `done` and never will. Calls made one after another from
  // one thread reach the store in that order. The defaults answer at once through the
  // waiting calls.
  using AdmitDone = absl::AnyInvocable<void(absl::StatusOr<AdmitOutcome>)>;
  using FindDone = absl::AnyInvocable<void(absl::StatusOr<std::shared_ptr<const Principal>>)>;
  using ConnectedDone = absl::AnyInvocable<void(absl::Status)>;
  using DisconnectedDone = absl::AnyInvocable<void(absl::StatusOr<int>)>;
  virtual void AdmitAsync(std::string_view clientid, std::shared_ptr<const Principal> principal,
                          UnixMillis now, AdmitDone done);
  virtual void FindAsync(std::string_view clientid, FindDone done);
  virtual void ConnectedAsync(std::string_view clientid, UnixMillis now, ConnectedDone done);
  virtual void DisconnectedAsync(std::string_view clientid, UnixMillis now, DisconnectedDone done);
};

}  // namespace iothub::auth
