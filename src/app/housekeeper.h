// Housekeeper: the hub's background chores, on one thread, off the hook path:
//  - every tick (200 ms): expired RPC requests become -32000 replies to their requesters,
//    published through the hub's broker link (or logged when there is none);
//  - every tick: when the fleet snapshot changed, tell the broker at once (kick revoked
//    devices, clear EMQX's authorization cache) through the BrokerNotifier;
//  - every tick: access rules changed by another process or hub reloaded
//    (AclRulesView::Refresh), and after a rule change, once it has had kRuleSettle to
//    reach every hub, EMQX's authorization cache cleared -- by the one hub that claims
//    the change in the store (Store::ClaimAclCacheClear), not by every hub;
//  - every tick, with shared state (Redis): this hub marked alive there and its
//    devices' presence changes published (RedisRpcState::Maintain), and the connects
//    and disconnects Redis did not take replayed (RedisSessionDirectory);
//  - every tick, and at Stop(): sessions and pending RPC requests written behind to the
//    state journal (StatePersister), so that a restart resumes them;
//  - every 5 s, and at Stop(): last-seen times of devices written to the store in one
//    batch;
//  - every tick, and at Stop(): the log throttle's summaries of windows that ended;
//  - when the fleet snapshot changed, and every minute: the gauges of certificates
//    expiring within 7 and 30 days (one pass over the snapshot, not per scrape).
//  - every tick: the CA files re-read when they changed, and certificate expiry
//    warnings and gauges (CertificateWatch).
// Thread-safety: Start/Stop from the owner thread; everything it touches is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/certificate_watch.h"
#include "app/state_persister.h"
#include "cluster/redis_rpc_state.h"
#include "cluster/redis_session_directory.h"
#include "common/clock.h"
#include "common/log_throttle.h"
#include "common/metrics.h"
#include "emqx/broker_notifier.h"
#include "mqtt/command_service.h"
#include "registry/acl_rules_view.h"
#include "registry/fleet_view.h"
#include "rpc/presence.h"
#include "rpc/rpc_pipeline.h"
#include "store/store.h"

namespace iothub::app {

struct HousekeeperParts {
  rpc::RpcPipeline& rpc;
  cluster::RedisRpcState* shared_state;             // null: the state is in this process
  cluster::RedisSessionDirectory* shared_sessions;  // null: sessions are in this process
  StatePersister* persister;                        // null: nothing is journaled
  rpc::Presence& presence;
  store::Store& store;
  const registry::FleetView& fleet;
  registry::AclRulesView& acl_rules;
  emqx::BrokerNotifier& broker;
  mqtt::CommandService* commands;  // null: no broker link, timeouts are only logged
  LogThrottle& log_throttle;
  CertificateWatch* certificates;  // null: no CA reloads or expiry checks
  const Clock& clock;
  Metrics* metrics = nullptr;  // null: no expiry gauges
};

class Housekeeper {
 public:
  explicit Housekeeper(HousekeeperParts parts) : parts_(parts) {}
  ~Housekeeper() { Stop(); }

  void Start();
  void Stop();

 private:
  void Run();
  void SweepTimeouts();
  void NotifyFleetChanges();
  void FollowAclRules();
  void FlushLastSeen();
  void MaintainSharedState();
  void UpdateExpiryGauges();

  HousekeeperParts parts_;
  std::shared_ptr<const FleetSnapshot> last_fleet_;
  std::int64_t rules_version_ = 0;  // the access rules' version last seen in force
  // When that version came into force, while its cache clear is still to be claimed.
  std::optional<std::chrono::steady_clock::time_point> rules_changed_at_;
  std::chrono::steady_clock::time_point next_flush_;
  std::chrono::steady_clock::time_point next_expiry_count_;
  bool sweep_failing_ = false;     // the last sweep failed (logged once per streak)
  bool maintain_failing_ = false;  // the last MaintainSharedState failed (likewise)
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace iothub::app
