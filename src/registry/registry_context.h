// RegistryContext: what the registry services share (the store, the CAs, the clock, the
// configured plans and the change callback), and the one way they commit a change: a
// single store transaction holding the change and its audit row, then on_change.
//
// Thread-safety: immutable after construction; the referenced Store, CA and Clock are
// thread-safe, so services built on one context may be called from any thread.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "model/plan.h"
#include "registry/ca_keyring.h"
#include "store/store.h"

namespace iothub::registry {

struct RegistryContext {
  // Not owned; must outlive every service using the context.
  store::Store& store;
  // The CAs; null for a registry without them (CLI commands that sign nothing): signing,
  // CRLs and CA rotation then answer FailedPrecondition.
  CaKeyring* cas;
  const Clock& clock;
  std::vector<Plan> plans;
  // Called after every committed change (not after failures), on the caller's thread,
  // outside the store transaction. May be empty. Must not call back into the registry.
  std::function<void()> on_change;
};

// OK when `actor` is 1-128 printable ASCII characters ("cli:alice", a user id, ...).
absl::Status CheckActor(std::string_view actor);

// Runs `body` in one store transaction; if it returns OK and the transaction commits,
// calls context.on_change. Returns the body's error (nothing written) otherwise.
absl::Status CommitChange(const RegistryContext& context,
                          const std::function<absl::Status(store::Store&)>& body);

// An audit row with `details` serialised as JSON.
store::AuditEntry MakeAudit(UnixMillis at, std::string_view actor, std::string_view action,
                            std::string_view target, const nlohmann::json& details);

}  // namespace iothub::registry
