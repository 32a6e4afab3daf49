// Routes of /api/fleet (admins), what the web console shows of the fleet: counts
// (overview), devices with their live state and current certificate (search and
// paging), one device with its certificates, revoking a device, and certificates by
// expiry. Listings page through FleetIndex (the in-memory snapshot, sorted once per
// change), so they cost the same at 100 000 devices as at 10, but for the store reads
// of the page's own devices (last seen, model).
//
// "online" is the live connection as the hooks report it, except that a revoked device
// is never online: the hub refuses all its traffic even where the broker cannot be told
// to drop the connection (Mosquitto); "connected" still says what the broker reported.
#include <algorithm>
#include <unordered_set>

#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"
#include "model/fingerprint_text.h"
#include "registry/device_registry.h"
#include "registry/json_views.h"
#include "registry/time_format.h"

namespace iothub::http {
namespace {

using nlohmann::json;

constexpr std::int64_t kExpiringWithinDays = 30;
constexpr UnixMillis kDayMillis = 24LL * 3600 * 1000;
constexpr std::size_t kMaxSearchBytes = 64;

json Time(std::optional<UnixMillis> at) {
  return at ? json(registry::FormatIso8601(*at)) : json(nullptr);
}

// ASCII case-insensitive substring test; an empty needle matches.
bool Contains(std::string_view haystack, std::string_view needle) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

Result<std::shared_ptr<const FleetIndex::View>> CurrentView(ApiContext& context) {
  if (context.fleet == nullptr) return Unavailable("the fleet view is not available here");
  return context.fleet->Current();
}

std::unordered_set<std::string> OnlineHere(ApiContext& context) {
  if (!context.online_devices) return {};
  std::vector<std::string> online = context.online_devices();
  return {std::make_move_iterator(online.begin()), std::make_move_iterator(online.end())};
}

// The device's current certificate from the snapshot: {fingerprint, validTo}, or null.
json CurrentCertificate(const FleetSnapshot& snapshot, const DeviceRecord& record) {
  if (!record.has_certificate) return nullptr;
  const CertificateRecord* certificate = snapshot.FindCertificate(record.current_fingerprint);
  if (certificate == nullptr) return nullptr;
  return json{{"fingerprint", FormatFingerprint(record.current_fingerprint)},
              {"validFrom", Time(certificate->valid_from)},
              {"validTo", Time(certificate->valid_to)}};
}

// A device as the console lists it; the store adds what the snapshot does not hold.
Result<json> FleetDeviceJson(ApiContext& context, const FleetSnapshot& snapshot,
                             const DeviceRecord& record) {
  absl::StatusOr<Device> device = context.registry.devices().GetDevice(record.id);
  if (!device.ok()) return ErrorFromStatus(device.status());
  const bool connected = context.device_online && context.device_online(record.id);
  return json{{"id", record.id},
              {"status", ToString(record.status)},
              {"ownerId", record.owner_id.empty() ? json(nullptr) : json(record.owner_id)},
              {"online", connected && record.status != DeviceStatus::kRevoked},
              {"connected", connected},
              {"lastSeenAt", Time(device->last_seen_at)},
              {"model", device->model},
              {"firmwareVersion",
               device->firmware_version ? json(*device->firmware_version) : json(nullptr)},
              {"createdAt", Time(device->created_at)},
              {"certificate", CurrentCertificate(snapshot, record)}};
}

Reply Overview(ApiContext& context, const RequestContext&) {
  Result<std::shared_ptr<const FleetIndex::View>> view = CurrentView(context);
  if (!view.ok()) return ErrorReply(view.error());
  const FleetIndex::View& index = **view;
  const FleetSnapshot& snapshot = *index.snapshot;
  const UnixMillis now = context.clock.NowUnixMillis();
  const std::vector<UnixMillis>& expiry = index.current_expiry;
  const auto expired_end = std::upper_bound(expiry.begin(), expiry.end(), now);
  const auto soon_end =
      std::upper_bound(expiry.begin(), expiry.end(), now + kExpiringWithinDays * kDayMillis);
  std::int64_t online = 0;
  for (const std::string& id : OnlineHere(context)) {
    const DeviceRecord* device = snapshot.FindDevice(id);
    if (device != nullptr && device->status != DeviceStatus::kRevoked) ++online;
  }
  auto count = [&](DeviceStatus status) {
    return index.status_counts[static_cast<std::size_t>(status)];
  };
  return JsonReply(200, json{{"devices",
                              {{"total", snapshot.device_count()},
                               {"unbound", count(DeviceStatus::kUnbound)},
                               {"bound", count(DeviceStatus::kBound)},
                               {"revoked", count(DeviceStatus::kRevoked)}}},
                             {"users", snapshot.user_count()},
                             {"onlineNow", online},
                             {"certificates",
                              {{"current", expiry.size()},
                               {"expiringSoon", soon_end - expired_end},
                               {"expired", expired_end - expiry.begin()},
                               {"expiringWithinDays", kExpiringWithinDays}}},
                             {"generatedAt", registry::FormatIso8601(now)}});
}

// Listing filters of GET /api/fleet/devices.
struct DeviceFilter {
  std::string q;
  std::string status;  // "" for any
  std::string online;  // "", "true" or "false"
};

Result<DeviceFilter> ParseDeviceFilter(const RequestContext& request) {
  Result<std::string> q = QueryText(request.query, "q", kMaxSearchBytes);
  if (!q.ok()) return q.error();
  Result<std::string> status =
      QueryText(request.query, "status", 0, {"unbound", "bound", "revoked"});
  if (!status.ok()) return status.error();
  Result<std::string> online = QueryText(request.query, "online", 0, {"true", "false"});
  if (!online.ok()) return online.error();
  return DeviceFilter{*q, *status, *online};
}

Reply ListFleetDevices(ApiContext& context, const RequestContext& request) {
  Result<registry::PageRequest> paging = ParsePaging(request.query);
  if (!paging.ok()) return ErrorReply(paging.error());
  Result<DeviceFilter> filter = ParseDeviceFilter(request);
  if (!filter.ok()) return ErrorReply(filter.error());
  Result<std::shared_ptr<const FleetIndex::View>> view = CurrentView(context);
  if (!view.ok()) return ErrorReply(view.error());
  const FleetIndex::View& index = **view;
  std::unordered_set<std::string> online;
  if (!filter->online.empty()) online = OnlineHere(context);
  const std::optional<DeviceStatus> status =
      filter->status.empty() ? std::nullopt : ParseDeviceStatus(filter->status);
  const std::int64_t first = (paging->page - 1) * paging->limit;
  std::int64_t total = 0;
  std::vector<const DeviceRecord*> page;
  auto consider = [&](std::size_t i) {
    if (status && index.statuses[i] != *status) return;
    const DeviceRecord* device = index.devices[i];
    if (!filter->online.empty()) {
      const bool is_online =
          index.statuses[i] != DeviceStatus::kRevoked && online.contains(device->id);
      if (is_online != (filter->online == "true")) return;
    }
    if (total >= first && total < first + paging->limit) page.push_back(device);
    ++total;
  };
  if (filter->q.empty()) {
    for (std::size_t i = 0; i < index.devices.size(); ++i) consider(i);
  } else {
    for (std::size_t i : index.Search(filter->q)) consider(i);
  }
  json devices = json::array();
  for (const DeviceRecord* device : page) {
    Result<json> item = FleetDeviceJson(context, *index.snapshot, *device);
    if (!item.ok()) return ErrorReply(item.error());
    devices.push_back(std::move(*item));
  }
  return JsonReply(200, json{{"devices", std::move(devices)},
                             {"total", total},
                             {"page", paging->page},
                             {"limit", paging->limit}});
}

Reply GetFleetDevice(ApiContext& context, const RequestContext& request) {
  const std::string& id = request.path.at("id");
  if (auto bad = CheckPathId("id", id)) return ErrorReply(*bad);
  Result<std::shared_ptr<const FleetIndex::View>> view = CurrentView(context);
  if (!view.ok()) return ErrorReply(view.error());
  const DeviceRecord* record = (*view)->snapshot->FindDevice(id);
  if (record == nullptr) return ErrorReply(NotFound("device " + id + " not found"));
  Result<json> device = FleetDeviceJson(context, *(*view)->snapshot, *record);
  if (!device.ok()) return ErrorReply(device.error());
  absl::StatusOr<std::vector<Certificate>> certificates = context.registry.DeviceCertificates(id);
  if (!certificates.ok()) return ErrorReply(ErrorFromStatus(certificates.status()));
  json list = json::array();
  for (const Certificate& certificate : *certificates) {
    json item = registry::CertificateToJson(certificate);
    item.erase("clientCert");
    item.erase("caCert");
    list.push_back(std::move(item));
  }
  return JsonReply(200, json{{"device", std::move(*device)}, {"certificates", std::move(list)}});
}

Reply RevokeFleetDevice(ApiContext& context, const RequestContext& request) {
  const std::string& id = request.path.at("id");
  if (auto bad = CheckPathId("id", id)) return ErrorReply(*bad);
  absl::StatusOr<Device> device =
      context.registry.devices().RevokeDevice(id, request.caller->actor);
  if (!device.ok()) return ErrorReply(ErrorFromStatus(device.status()));
  return JsonReply(200, json{{"message", "device " + id + " revoked with its certificates"},
                             {"device", registry::DeviceToJson(*device)}});
}

Reply ListFleetCertificates(ApiContext& context, const RequestContext& request) {
  Result<registry::PageRequest> paging = ParsePaging(request.query);
  if (!paging.ok()) return ErrorReply(paging.error());
  Result<std::string> q = QueryText(request.query, "q", kMaxSearchBytes);
  if (!q.ok()) return ErrorReply(q.error());
  Result<std::string> state =
      QueryText(request.query, "state", 0, {"active", "expiring", "expired", "revoked"});
  if (!state.ok()) return ErrorReply(state.error());
  Result<std::shared_ptr<const FleetIndex::View>> view = CurrentView(context);
  if (!view.ok()) return ErrorReply(view.error());
  const UnixMillis now = context.clock.NowUnixMillis();
  const UnixMillis soon = now + kExpiringWithinDays * kDayMillis;
  auto state_of = [&](const CertificateRecord& c) -> std::string_view {
    if (c.revoked) return "revoked";
    if (c.valid_to <= now) return "expired";
    return c.valid_to <= soon ? "expiring" : "active";
  };
  const std::int64_t first = (paging->page - 1) * paging->limit;
  std::int64_t total = 0;
  json items = json::array();
  for (const FleetIndex::CertificateEntry& entry : (*view)->certificates) {
    const CertificateRecord& c = *entry.certificate;
    const std::string_view of = state_of(c);
    // "active" includes the expiring ones: every certificate a device may use now.
    if (!state->empty() && of != *state && !(*state == "active" && of == "expiring")) continue;
    if (!q->empty() && !Contains(c.device_id, *q)) continue;
    if (total >= first && total < first + paging->limit) {
      items.push_back({{"fingerprint", FormatFingerprint(*entry.fingerprint)},
                       {"deviceId", c.device_id},
                       {"validFrom", Time(c.valid_from)},
                       {"validTo", Time(c.valid_to)},
                       {"state", of}});
    }
    ++total;
  }
  return JsonReply(200, json{{"certificates", std::move(items)},
                             {"total", total},
                             {"page", paging->page},
                             {"limit", paging->limit}});
}

const std::vector<QueryParam> kPaging = {{"page", "page number, >= 1 (default 1)"},
                                         {"limit", "items per page, 1-100 (default 10)"}};

std::vector<QueryParam> WithPaging(std::vector<QueryParam> params) {
  params.insert(params.end(), kPaging.begin(), kPaging.end());
  return params;
}

}  // namespace

std::vector<Route> FleetRoutes() {
  return {
      {Method::kGet,
       "/api/fleet/overview",
       "Counts of devices by status, users, devices online now and current certificates "
       "expiring within 30 days (admin)",
       "fleet",
       Access::kAdmin,
       std::nullopt,
       {},
       {{200, "the counts", "FleetOverview"}},
       Overview},
      {Method::kGet,
       "/api/fleet/devices",
       "Devices by id with their live state and current certificate; search and filters "
       "(admin)",
       "fleet",
       Access::kAdmin,
       std::nullopt,
       WithPaging({{"q", "part of the device id or owner id, any case (at most 64 bytes)"},
                   {"status", "unbound, bound or revoked"},
                   {"online", "true or false"}}),
       {{200, "a page of devices", "FleetDevicePage"}},
       ListFleetDevices},
      {Method::kGet,
       "/api/fleet/devices/{id}",
       "One device with its live state and all its certificates, newest first (admin)",
       "fleet",
       Access::kAdmin,
       std::nullopt,
       {},
       {{200, "{device, certificates}", "FleetDeviceDetail"}},
       GetFleetDevice},
      {Method::kPost,
       "/api/fleet/devices/{id}/revoke",
       "Revoke a device (terminal) and its certificates; its sessions are dropped (admin)",
       "fleet",
       Access::kAdmin,
       std::nullopt,
       {},
       {{200, "{message, device}", "DeviceAnswer"}},
       RevokeFleetDevice},
      {Method::kGet,
       "/api/fleet/certificates",
       "Certificates by expiry, soonest first (admin)",
       "fleet",
       Access::kAdmin,
       std::nullopt,
       WithPaging({{"q", "part of the device id, any case (at most 64 bytes)"},
                   {"state",
                    "active (includes expiring), expiring (within 30 days), expired "
                    "or revoked"}}),
       {{200, "a page of certificates", "FleetCertificatePage"}},
       ListFleetCertificates},
  };
}

}  // namespace iothub::http
