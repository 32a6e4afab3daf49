// FleetIndex: the orderings the console's listings page through, built from the hub's
// FleetSnapshot: devices sorted by id and certificates sorted by expiry. Building sorts
// the whole fleet (tens of milliseconds at 100 000 devices), so it is done once per
// snapshot -- the first listing after a change -- and shared by every request until the
// next change; a page is then a scan of the sorted list (filtering) and a slice.
//
//   FleetIndex index([&fleet] { return fleet.snapshot(); });
//   std::shared_ptr<const FleetIndex::View> view = index.Current();
//
// Thread-safety: thread-safe; Current() may block while another thread builds the view.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "model/fleet_snapshot.h"

namespace iothub::http {

class FleetIndex {
 public:
  using Source = std::function<std::shared_ptr<const FleetSnapshot>()>;

  struct CertificateEntry {
    const Fingerprint* fingerprint;
    const CertificateRecord* certificate;
  };

  // One snapshot and its orderings; pointers point into `snapshot`, which it keeps alive.
  struct View {
    std::shared_ptr<const FleetSnapshot> snapshot;
    std::vector<const DeviceRecord*> devices;    // by id
    std::vector<CertificateEntry> certificates;  // by valid_to, then fingerprint
  };

  explicit FleetIndex(Source source) : source_(std::move(source)) {}

  // The view of the current snapshot, built now if the snapshot changed.
  std::shared_ptr<const View> Current();

  // The orderings of `snapshot` (what Current() caches).
  static std::shared_ptr<const View> Build(std::shared_ptr<const FleetSnapshot> snapshot);

 private:
  const Source source_;
  std::mutex mu_;
  std::shared_ptr<const View> view_ ABSL_GUARDED_BY(mu_);
};

}  // namespace iothub::http
