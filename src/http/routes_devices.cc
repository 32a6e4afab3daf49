// Routes of /api/devices (contract sections 4 and 6): registering a device
// (sign-device, admin), binding and unbinding, and listings. A user may bind an
// unbound device only to themself and unbind only their own devices; GET /api/devices
// lists the caller's own devices (every device for an admin).
#include "http/device_access.h"
#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"
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
  return DeviceAnswer(201, "device " + device.id + " registered",
                      context.registry.devices().CreateDevice(device, request.caller->actor), "");
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
  Result<Device> device = LoadDevice(context, "id", id);
  if (!device.ok()) return ErrorReply(device.error());
  // A user does not learn who owns another user's device.
  if (!caller.admin && device->status == DeviceStatus::kBound &&
      !(device->owner_id && caller.Is(*device->owner_id))) {
    return ErrorReply(Conflict("device " + id + " is bound to another user"));
  }
  return DeviceAnswer(200, "device " + id + " bound to user " + owner_id,
                      context.registry.devices().BindDevice(id, owner_id, caller.actor), "");
}

Reply UnbindDevice(ApiContext& context, const RequestContext& request) {
  const std::string id = *OptionalString(request.body, "id");
  Result<Device> device = LoadDevice(context, "id", id);
  if (!device.ok()) return ErrorReply(device.error());
  if (auto denied = CheckOwnsDevice(*request.caller, *device)) return ErrorReply(*denied);
  return DeviceAnswer(200, "device " + id + " unbound",
                      context.registry.devices().UnbindDevice(id, request.caller->actor), "");
}

Reply ListPage(ApiContext& context, const RequestContext& request,
               std::optional<std::string_view> owner) {
  Result<registry::PageRequest> paging = ParsePaging(request.query);
  if (!paging.ok()) return ErrorReply(paging.error());
  absl::StatusOr<registry::Page<Device>> page =
      context.registry.devices().ListDevices(*paging, owner);
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

const std::vector<QueryParam> kPaging = {{"page", "page number, >= 1 (default 1)"},
                                         {"limit", "items per page, 1-100 (default 10)"}};

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
       {{201, "{message, device}", "DeviceAnswer"}},
       SignDevice},
      {Method::kPost,
       "/api/devices/bind-device",
       "Bind an unbound device to a user (admin; a user binds only to themself)",
       "devices",
       Access::kCaller,
       BodySchema{{{"id", FieldType::kString, true, "device id"},
                   {"ownerId", FieldType::kString, true, "the hub user id of the new owner"}}},
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
       {answer},
       UnbindDevice},
      {Method::kGet,
       "/api/devices",
       "The caller's devices (every device for an admin)",
       "devices",
       Access::kCaller,
       std::nullopt,
       kPaging,
       {{200, "a page of devices", "DevicePage"}},
       ListDevices},
      {Method::kGet,
       "/api/devices/admin/all",
       "Every device (admin)",
       "devices",
       Access::kAdmin,
       std::nullopt,
       kPaging,
       {{200, "a page of devices", "DevicePage"}},
       ListAllDevices},
  };
}

}  // namespace iothub::http
