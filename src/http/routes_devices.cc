// Routes of /api/devices (contract sections 4 and 6): registering a device
// (sign-device, admin), claiming, binding and unbinding, and listings. A user binds an
// unbound device only to themself and only with its claim code (POST
// /api/devices/claim, or bind-device with claimCode), which proves they hold the
// device; an admin binds any unbound device to anyone without one. A user unbinds only
// their own devices; GET /api/devices lists the caller's own devices (every device for
// an admin). Claim codes are shown once: in the sign-device and unbind-device answers
// and by the admin's claim-code rotation.
#include "http/device_access.h"
#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"
#include "registry/claim_code.h"
#include "registry/device_public_key.h"
#include "registry/device_registry.h"
#include "registry/input_checks.h"
#include "registry/json_views.h"

namespace iothub::http {
namespace {

using nlohmann::json;

Reply DeviceAnswer(int status, std::string message, const absl::StatusOr<Device>& device,
                   std::string_view field) {
  if (!device.ok()) return ErrorReply(ErrorFromStatus(device.status(), field));
  return JsonReply(
      status, json{{"message", std::move(message)}, {"device", registry::DeviceToJson(*device)}});
}

Reply SignDevice(ApiContext& context, const RequestContext& request) {
  const json& body = request.body;
  registry::NewDevice device;
  device.id = *OptionalString(body, "id");
  device.model = OptionalString(body, "model").value_or("");
  device.firmware_version = OptionalString(body, "firmwareVersion");
  device.public_key_pem = OptionalString(body, "publicKey");
  std::vector<FieldProblem> problems;
  if (absl::Status s = registry::CheckDeviceId(device.id); !s.ok()) {
    problems.push_back({"id", StatusMessage(s)});
  }
  if (absl::Status s = registry::CheckText("model", device.model, 0, 100); !s.ok()) {
    problems.push_back({"model", StatusMessage(s)});
  }
  if (device.firmware_version) {
    if (absl::Status s = registry::CheckText("firmware version", *device.firmware_version, 1, 64);
        !s.ok()) {
      problems.push_back({"firmwareVersion", StatusMessage(s)});
    }
  }
  if (absl::StatusOr<std::string> key = registry::CanonicalDevicePublicKey(*device.public_key_pem);
      !key.ok()) {
    problems.push_back({"publicKey", StatusMessage(key.status())});
  }
  if (!problems.empty()) return ErrorReply(BadRequest("invalid device", std::move(problems)));
  std::string code;
  Reply reply = DeviceAnswer(
      201, "device " + device.id + " registered",
      context.registry.devices().CreateDevice(device, request.caller->actor, &code), "");
  if (!reply.error) reply.json["claimCode"] = code;
  return reply;
}

// The answer to a refused claim: 429 with Retry-After (header and retryAfterSeconds)
// for a lockout, the usual mapping otherwise.
Reply ClaimRefusal(const absl::Status& status) {
  std::optional<std::int64_t> seconds = registry::RetryAfterSeconds(status);
  if (!seconds) return ErrorReply(ErrorFromStatus(status));
  Reply reply = ErrorReply({429, "too_many_attempts", StatusMessage(status), {}});
  reply.json["error"]["retryAfterSeconds"] = *seconds;
  reply.headers.emplace_back("Retry-After", std::to_string(*seconds));
  return reply;
}

// The caller (a hub user) claims device `id` with `code` for themself.
Reply ClaimFor(ApiContext& context, const Caller& caller, const std::string& id,
               const std::optional<std::string>& code) {
  std::vector<FieldProblem> problems;
  if (auto bad = CheckPathId("id", id)) problems.push_back({"id", bad->message});
  if (!code) {
    problems.push_back({"claimCode", "required"});
  } else if (absl::StatusOr<std::string> canonical = NormalizeClaimCode(*code); !canonical.ok()) {
    problems.push_back({"claimCode", StatusMessage(canonical.status())});
  }
  if (!problems.empty()) return ErrorReply(BadRequest("invalid claim", std::move(problems)));
  if (caller.user_id().empty()) {
    return ErrorReply(
        Forbidden("a claim binds the device to the calling hub user; "
                  "this caller is not one (admins use bind-device)"));
  }
  absl::StatusOr<Device> device =
      context.registry.devices().ClaimDevice(id, caller.user_id(), *code, caller.actor);
  if (!device.ok()) return ClaimRefusal(device.status());
  return DeviceAnswer(200, "device " + id + " claimed by user " + caller.user_id(), device, "");
}

Reply ClaimDevice(ApiContext& context, const RequestContext& request) {
  return ClaimFor(context, *request.caller, *OptionalString(request.body, "id"),
                  OptionalString(request.body, "claimCode"));
}

Reply BindDevice(ApiContext& context, const RequestContext& request) {
  const std::string id = *OptionalString(request.body, "id");
  const std::string owner_id = *OptionalString(request.body, "ownerId");
  if (auto bad = CheckPathId("id", id)) return ErrorReply(*bad);
  if (auto bad = CheckPathId("ownerId", owner_id)) return ErrorReply(*bad);
  const Caller& caller = *request.caller;
  if (!caller.MayActFor(owner_id)) {
    return ErrorReply(Forbidden("you may bind devices only to yourself"));
  }
  // A user proves possession with the claim code, exactly as through /claim.
  if (!caller.admin) {
    std::optional<std::string> code = OptionalString(request.body, "claimCode");
    if (!code) {
      return ErrorReply(
          Forbidden("binding a device needs its claim code: POST "
                    "/api/devices/claim {\"id\", \"claimCode\"}"));
    }
    return ClaimFor(context, caller, id, code);
  }
  Result<Device> device = LoadDevice(context, "id", id);
  if (!device.ok()) return ErrorReply(device.error());
  return DeviceAnswer(200, "device " + id + " bound to user " + owner_id,
                      context.registry.devices().BindDevice(id, owner_id, caller.actor), "");
}

Reply UnbindDevice(ApiContext& context, const RequestContext& request) {
  const std::string id = *OptionalString(request.body, "id");
  Result<Device> device = LoadDevice(context, "id", id);
  if (!device.ok()) return ErrorReply(device.error());
  if (auto denied = CheckOwnsDevice(*request.caller, *device)) return ErrorReply(*denied);
  std::string code;
  Reply reply =
      DeviceAnswer(200, "device " + id + " unbound; its new claim code is shown only now",
                   context.registry.devices().UnbindDevice(id, request.caller->actor, &code), "");
  if (!reply.error) reply.json["claimCode"] = code;
  return reply;
}

Reply RotateClaimCode(ApiContext& context, const RequestContext& request) {
  const std::string id = *OptionalString(request.body, "id");
  if (auto bad = CheckPathId("id", id)) return ErrorReply(*bad);
  absl::StatusOr<std::string> code =
      context.registry.devices().RotateClaimCode(id, request.caller->actor);
  if (!code.ok()) return ErrorReply(ErrorFromStatus(code.status()));
  return JsonReply(200, json{{"message", "device " + id +
                                             " has a new claim code; the old one "
                                             "no longer works"},
                             {"claimCode", *code}});
}

Reply ListPage(ApiContext& context, const RequestContext& request,
               std::optional<std::string_view> owner) {
  Result<registry::PageRequest> paging = ParsePaging(request.query);
  if (!paging.ok()) return ErrorReply(paging.error());
  Result<std::optional<int>> expiring = ParseExpiringWithinDays(request.query);
  if (!expiring.ok()) return ErrorReply(expiring.error());
  absl::StatusOr<registry::Page<Device>> page =
      context.registry.devices().ListDevices(*paging, owner, *expiring);
  if (!page.ok()) return ErrorReply(ErrorFromStatus(page.status()));
  return JsonReply(200, registry::DevicePageToJson(*page));
}

Reply ListDevices(ApiContext& context, const RequestContext& request) {
  const Caller& caller = *request.caller;
  if (caller.admin) return ListPage(context, request, std::nullopt);
  return ListPage(context, request, caller.user_id());
}

Reply ListAllDevices(ApiContext& context, const RequestContext& request) {
  return ListPage(context, request, std::nullopt);
}

const std::vector<QueryParam> kDeviceListing = {
    {"page", "page number, >= 1 (default 1)"},
    {"limit", "items per page, 1-100 (default 10)"},
    {"expiringWithinDays",
     "1-3650: only devices whose current certificate expires within that many days (or has "
     "expired)"}};

}  // namespace

std::vector<Route> DeviceRoutes() {
  const ResponseSpec answer{200, "{message, device}", "DeviceAnswer"};
  return {
      {Method::kPost,
       "/api/devices/sign-device",
       "Register a new unbound device (admin)",
       "devices",
       Access::kAdmin,
       BodySchema{{{"id", FieldType::kString, true, "device id, 1-57 of [A-Za-z0-9_-]"},
                   {"publicKey", FieldType::kString, true, "device public key (PEM)"},
                   {"model", FieldType::kString, false, "0-100 characters"},
                   {"firmwareVersion", FieldType::kString, false, "1-64 characters"}}},
       {},
       {{201, "{message, device, claimCode}: the claim code is shown only here",
         "DeviceCodeAnswer"}},
       SignDevice},
      {Method::kPost,
       "/api/devices/claim",
       "Claim an unbound device for yourself with its claim code (the proof you hold it); "
       "wrong codes lock claiming out (429 with Retry-After) after 5 per device in 15 "
       "minutes or 20 per user in an hour",
       "devices",
       Access::kCaller,
       BodySchema{{{"id", FieldType::kString, true, "device id"},
                   {"claimCode", FieldType::kString, true,
                    "the device's claim code, XXXX-XXXX-XXXX-XXXX (any case, dashes optional)"}}},
       {},
       {answer},
       ClaimDevice},
      {Method::kPost,
       "/api/devices/admin/claim-code",
       "Issue a new claim code for an unbound device, e.g. for a lost label (admin)",
       "devices",
       Access::kAdmin,
       BodySchema{{{"id", FieldType::kString, true, "device id"}}},
       {},
       {{200, "{message, claimCode}: the code is shown only here", "ClaimCode"}},
       RotateClaimCode},
      {Method::kPost,
       "/api/devices/bind-device",
       "Bind an unbound device to a user (admin, no code needed; a user binds only to "
       "themself and must give the claim code, as with /api/devices/claim)",
       "devices",
       Access::kCaller,
       BodySchema{{{"id", FieldType::kString, true, "device id"},
                   {"ownerId", FieldType::kString, true, "the hub user id of the new owner"},
                   {"claimCode", FieldType::kString, false,
                    "the device's claim code; required for non-admin callers"}}},
       {},
       {answer},
       BindDevice},
      {Method::kPost,
       "/api/devices/unbind-device",
       "Unbind a bound device (admin, or its owner)",
       "devices",
       Access::kCaller,
       BodySchema{{{"id", FieldType::kString, true, "device id"}}},
       {},
       {{200, "{message, device, claimCode}: the device's new claim code, shown only here",
         "DeviceCodeAnswer"}},
       UnbindDevice},
      {Method::kGet,
       "/api/devices",
       "The caller's devices (every device for an admin)",
       "devices",
       Access::kCaller,
       std::nullopt,
       kDeviceListing,
       {{200, "a page of devices", "DevicePage"}},
       ListDevices},
      {Method::kGet,
       "/api/devices/admin/all",
       "Every device (admin)",
       "devices",
       Access::kAdmin,
       std::nullopt,
       kDeviceListing,
       {{200, "a page of devices", "DevicePage"}},
       ListAllDevices},
  };
}

}  // namespace iothub::http
