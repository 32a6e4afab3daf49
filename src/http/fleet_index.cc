#include "http/fleet_index.h"

#include <algorithm>

namespace iothub::http {

std::shared_ptr<const FleetIndex::View> FleetIndex::Current() {
  std::shared_ptr<const FleetSnapshot> snapshot = source_();
  std::lock_guard lock(mu_);
  if (view_ == nullptr || view_->snapshot != snapshot) view_ = Build(std::move(snapshot));
  return view_;
}

std::shared_ptr<const FleetIndex::View> FleetIndex::Build(
    std::shared_ptr<const FleetSnapshot> snapshot) {
  auto view = std::make_shared<View>();
  view->devices.reserve(snapshot->device_count());
  snapshot->ForEachDevice([&](const DeviceRecord& device) { view->devices.push_back(&device); });
  std::sort(view->devices.begin(), view->devices.end(),
            [](const DeviceRecord* a, const DeviceRecord* b) { return a->id < b->id; });
  snapshot->ForEachCertificate([&](const Fingerprint& fingerprint, const CertificateRecord& c) {
    view->certificates.push_back({&fingerprint, &c});
  });
  std::sort(view->certificates.begin(), view->certificates.end(),
            [](const CertificateEntry& a, const CertificateEntry& b) {
              if (a.certificate->valid_to != b.certificate->valid_to) {
                return a.certificate->valid_to < b.certificate->valid_to;
              }
              return *a.fingerprint < *b.fingerprint;
            });
  view->snapshot = std::move(snapshot);
  return view;
}

}  // namespace iothub::http
