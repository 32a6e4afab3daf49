// FleetView: the hub's current FleetSnapshot, kept in step with the store. Readers call
// snapshot() and never lock; a background thread reloads the snapshot when
//  - Notify() is called (the registry's on_change, after a change made through this
//    process's store, which DataVersion does not report), or
//  - store.DataVersion() changes (a commit by another connection, such as the CLI on
//    the same data dir, or another hub on the same PostgreSQL database), polled every
//    250 ms, so such changes show within about 1 s. PostgresStore's DataVersion is an
//    in-memory counter its LISTEN thread bumps: the poll costs no database round trip.
//
// Failure policy: when a reload fails, the previous snapshot stays in force, the failure
// is counted (reload_failures()) and retried with a backoff that doubles from the poll
// interval up to kMaxRetryInterval, so a store that is down (a PostgreSQL outage) is
// neither hammered nor logged about 4 times a second: the first failure of a run is
// logged as an error, the others at debug, and the recovery at info. A change reported
// meanwhile (Notify(), a new DataVersion) is still loaded at once. This keeps the
// hot path fail closed in the sense that matters: the old snapshot still reflects
// state that was committed, so nothing the store never accepted is ever admitted; a
// revocation made meanwhile takes effect as soon as a reload succeeds.
//
// Thread-safety: snapshot(), Notify() and the counters are thread-safe. Start() and
// Stop() are called by one owner thread. The Store must outlive the FleetView.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "common/snapshot_cell.h"
#include "model/fleet_snapshot.h"
#include "store/store.h"

namespace iothub::registry {

class FleetView {
 public:
  static constexpr std::chrono::milliseconds kDefaultPollInterval{250};
  // Short enough that a store back from an outage is read again within 5 s.
  static constexpr std::chrono::milliseconds kMaxRetryInterval{4000};

  explicit FleetView(store::Store& store,
                     std::chrono::milliseconds poll_interval = kDefaultPollInterval);
  ~FleetView();  // Stop()s
  FleetView(const FleetView&) = delete;
  FleetView& operator=(const FleetView&) = delete;

  // Loads the snapshot once now and swaps it in. On error keeps the old one, logs,
  // counts and returns the error. Blocks for the load.
  absl::Status Reload();

  // Loads the first snapshot (returning its error: a hub must not serve without one),
  // then starts the polling thread. FailedPrecondition if already started.
  absl::Status Start();

  // Stops and joins the polling thread; idempotent.
  void Stop();

  // Asks the polling thread to reload soon (does not block). Safe from any thread,
  // including from inside the registry's on_change.
  void Notify();

  // The current snapshot; never null (empty before the first load).
  std::shared_ptr<const FleetSnapshot> snapshot() const { return cell_.Load(); }

  std::uint64_t reloads() const { return reloads_.load(); }
  std::uint64_t reload_failures() const { return reload_failures_.load(); }

 private:
  void Run();
  // The store's data version, or nullopt (logged) when it cannot be read.
  std::optional<std::int64_t> ReadDataVersion();

  store::Store& store_;
  const std::chrono::milliseconds poll_interval_;
  SnapshotCell<FleetSnapshot> cell_;
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> reload_failures_{0};
  std::atomic<std::uint64_t> consecutive_failures_{0};  // since the last good reload

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;                        // owner thread only
  std::optional<std::int64_t> last_version_;  // polling thread only
};

}  // namespace iothub::registry
