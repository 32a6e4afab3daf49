// Housekeeper: the hub's background chores, on one thread, off the hook path:
//  - every tick (200 ms): expired RPC requests become -32000 replies to their requesters,
//    published through the hub's broker link (or logged when there is none);
//  - every tick: when the fleet snapshot changed, tell the broker at once (kick revoked
//    devices, clear EMQX's authorization cache) through the BrokerNotifier;
//  - every tick, with shared state (Redis): this hub marked alive there and its
//    devices' presence changes published (RedisRpcState::Maintain);
//  - every tick, and at Stop(): sessions and pending RPC requests written behind to the
//    state journal (StatePersister), so that a restart resumes them;
//  - every 5 s, and at Stop(): last-seen times of devices written to the store in one
//    batch;
//  - every tick, and at Stop(): the log throttle's summaries of windows that ended;
//  - every tick: the CA files re-read when they changed, and certificate expiry
//    warnings and gauges (CertificateWatch).
// Thread-safety: Start/Stop from the owner thread; everything it touches is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/certificate_watch.h"
#include "app/state_persister.h"
#include "cluster/redis_rpc_state.h"
#include "common/clock.h"
#include "common/log_throttle.h"
#include "emqx/broker_notifier.h"
#include "mqtt/command_service.h"
#include "registry/fleet_view.h"
#include "rpc/presence.h"
#include "rpc/rpc_pipeline.h"
#include "store/store.h"

namespace iothub::app {

struct HousekeeperParts {
  rpc::RpcPipeline& rpc;
  cluster::RedisRpcState* shared_state;  // null: the state is in this process
  StatePersister* persister;             // null: nothing is journaled
  rpc::Presence& presence;
  store::Store& store;
  const registry::FleetView& fleet;
  emqx::BrokerNotifier& broker;
  mqtt::CommandService* commands;  // null: no broker link, timeouts are only logged
  LogThrottle& log_throttle;
  CertificateWatch* certificates;  // null: no CA reloads or expiry checks
  const Clock& clock;
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
  void FlushLastSeen();
  void MaintainSharedState();

  HousekeeperParts parts_;
  std::shared_ptr<const FleetSnapshot> last_fleet_;
  std::chrono::steady_clock::time_point next_flush_;
  bool sweep_failing_ = false;     // the last sweep failed (logged once per streak)
  bool maintain_failing_ = false;  // the last MaintainSharedState failed (likewise)
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace iothub::app
