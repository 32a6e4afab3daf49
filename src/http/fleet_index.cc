#include "http/fleet_index.h"

#include <algorithm>
#include <cctype>

namespace iothub::http {
namespace {

void AppendLower(std::string& out, std::string_view text) {
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
}

}  // namespace

std::shared_ptr<const FleetIndex::View> FleetIndex::Current() {
  std::shared_ptr<const FleetSnapshot> snapshot = source_();
  std::lock_guard lock(mu_);
  if (view_ == nullptr || view_->snapshot != snapshot) view_ = Build(std::move(snapshot));
  return view_;
}

std::vector<std::size_t> FleetIndex::View::Search(std::string_view needle) const {
  std::vector<std::size_t> found;
  if (needle.find_first_of("\t\n") != std::string_view::npos) return found;
  std::string lower;
  AppendLower(lower, needle);
  std::size_t at = 0;
  while ((at = search_text.find(lower, at)) != std::string::npos) {
    // The line holding the match; the next search starts at the following line.
    const auto next = std::upper_bound(line_starts.begin(), line_starts.end(), at);
    found.push_back(static_cast<std::size_t>(next - line_starts.begin()) - 1);
    at = *next;
  }
  return found;
}

std::shared_ptr<const FleetIndex::View> FleetIndex::Build(
    std::shared_ptr<const FleetSnapshot> snapshot) {
  auto view = std::make_shared<View>();
  view->devices.reserve(snapshot->device_count());
  snapshot->ForEachDevice([&](const DeviceRecord& device) { view->devices.push_back(&device); });
  std::sort(view->devices.begin(), view->devices.end(),
            [](const DeviceRecord* a, const DeviceRecord* b) { return a->id < b->id; });
  view->statuses.reserve(view->devices.size());
  view->line_starts.reserve(view->devices.size() + 1);
  for (const DeviceRecord* device : view->devices) {
    view->statuses.push_back(device->status);
    ++view->status_counts[static_cast<std::size_t>(device->status)];
    view->line_starts.push_back(view->search_text.size());
    AppendLower(view->search_text, device->id);
    view->search_text.push_back('\t');
    AppendLower(view->search_text, device->owner_id);
    view->search_text.push_back('\n');
    if (device->status == DeviceStatus::kRevoked || !device->has_certificate) continue;
    if (const CertificateRecord* c = snapshot->FindCertificate(device->current_fingerprint)) {
      view->current_expiry.push_back(c->valid_to);
    }
  }
  view->line_starts.push_back(view->search_text.size());
  std::sort(view->current_expiry.begin(), view->current_expiry.end());
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
