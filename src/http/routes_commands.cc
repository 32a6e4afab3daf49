// Routes of /api/mqtt/device/command[/no-response] (contract section 6): a command to a
// device through the CommandSender. Before sending, the handler checks that the caller
// may command the device (admin, or the user `userId` themself), that the device exists
// (404) and is bound (409) to `userId` (409 for an admin naming another owner; 403 for
// a user naming a device that is not theirs). No sender configured: 503.
// GET /api/rpc/methods describes the method catalog the commands are checked against.
#include "common/ids.h"
#include "http/device_access.h"
#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"
#include "registry/time_format.h"
#include "rpc/method_catalog.h"

namespace iothub::http {
namespace {

using nlohmann::json;

json MetadataToJson(const CommandMetadata& metadata) {
  return json{
      {"executionTime", metadata.execution_time_ms},
      {"sentAt", registry::FormatIso8601(metadata.sent_at)},
      {"receivedAt", metadata.received_at ? json(registry::FormatIso8601(*metadata.received_at))
                                          : json(nullptr)}};
}

// The command in the body, validated and authorised, or the error.
Result<CommandRequest> CheckCommand(ApiContext& context, const RequestContext& request, bool wait) {
  const json& body = request.body;
  CommandRequest command;
  command.user_id = *OptionalString(body, "userId");
  command.device_id = *OptionalString(body, "deviceId");
  command.method = *OptionalString(body, "method");
  std::vector<FieldProblem> problems;
  if (!IsValidId(command.user_id)) problems.push_back({"userId", "is not a valid user id"});
  if (!IsValidId(command.device_id)) problems.push_back({"deviceId", "is not a valid device id"});
  if (!IsValidId(command.method)) {
    problems.push_back({"method", "must be a method name (1-64 of A-Z a-z 0-9 _ -)"});
  }
  if (body.contains("params") && body["params"].is_object()) command.params = body["params"];
  if (wait) {
    if (auto timeout = OptionalInteger(body, "timeout")) {
      if (*timeout < kMinCommandTimeoutMs || *timeout > kMaxCommandTimeoutMs) {
        problems.push_back({"timeout", "must be an integer from 1000 to 30000 (milliseconds)"});
      }
      command.timeout_ms = *timeout;
    }
  }
  if (!problems.empty()) return BadRequest("invalid command", std::move(problems));

  const Caller& caller = *request.caller;
  if (!caller.MayActFor(command.user_id)) {
    return Forbidden("you may only command your own devices (userId must be your id)");
  }
  Result<Device> device = LoadDevice(context, "deviceId", command.device_id);
  if (!device.ok()) return device.error();
  if (device->status != DeviceStatus::kBound) {
    return Conflict("device " + device->id + " is " + std::string(ToString(device->status)) +
                    "; only a bound device accepts commands");
  }
  if (auto denied = CheckOwnsDevice(caller, *device)) return *denied;
  if (device->owner_id != command.user_id) {
    return Conflict("device " + device->id + " is not bound to user " + command.user_id);
  }
  return command;
}

Reply SendCommand(ApiContext& context, const RequestContext& request, bool wait) {
  Result<CommandRequest> command = CheckCommand(context, request, wait);
  if (!command.ok()) return ErrorReply(command.error());
  if (context.command_sender == nullptr) {
    return ErrorReply(Unavailable("device commands are not available (no MQTT connection)"));
  }
  CommandOutcome outcome = context.command_sender->Send(*command, wait);
  if (!outcome.status.ok()) {
    ApiError error = ErrorFromStatus(outcome.status);
    if (absl::IsInvalidArgument(outcome.status)) error.details = std::move(outcome.problems);
    return ErrorReply(std::move(error));
  }
  const CommandReply& reply = outcome.reply;
  if (!wait) {
    return JsonReply(200, json{{"success", true},
                               {"message", "command sent to device " + command->device_id},
                               {"id", reply.id},
                               {"metadata", MetadataToJson(reply.metadata)}});
  }
  json body{{"id", reply.id}, {"metadata", MetadataToJson(reply.metadata)}};
  if (reply.result) body["result"] = *reply.result;
  if (reply.error) body["error"] = *reply.error;
  return JsonReply(200, std::move(body));
}

std::vector<FieldSpec> CommandFields(bool wait) {
  std::vector<FieldSpec> fields = {
      {"userId", FieldType::kString, true, "the device owner's hub user id"},
      {"deviceId", FieldType::kString, true, "device id"},
      {"method", FieldType::kString, true, "RPC method, e.g. getDeviceState"},
      {"params", FieldType::kObject, false, "method parameters"}};
  if (wait) {
    fields.push_back({"timeout", FieldType::kInteger, false,
                      "milliseconds to wait for the answer, 1000-30000 (default 5000)"});
  }
  return fields;
}

}  // namespace

std::vector<Route> CommandRoutes() {
  return {
      {Method::kPost,
       "/api/mqtt/device/command",
       "Send an RPC command to a device and wait for its answer (admin, or the owner)",
       "mqtt",
       Access::kCaller,
       BodySchema{CommandFields(true)},
       {},
       {{200, "{id, result?, error?, metadata}", "CommandResult"},
        {408, "the device did not answer in time", "Error"},
        {409, "the device is not bound (to userId)", "Error"},
        {503, "the broker is unavailable", "Error"}},
       [](ApiContext& c, const RequestContext& r) { return SendCommand(c, r, true); }},
      {Method::kPost,
       "/api/mqtt/device/command/no-response",
       "Send an RPC command to a device without waiting (admin, or the owner)",
       "mqtt",
       Access::kCaller,
       BodySchema{CommandFields(false)},
       {},
       {{200, "{success, message, metadata}", "CommandSent"},
        {409, "the device is not bound (to userId)", "Error"},
        {503, "the broker is unavailable", "Error"}},
       [](ApiContext& c, const RequestContext& r) { return SendCommand(c, r, false); }},
      {Method::kGet,
       "/api/rpc/methods",
       "The RPC method catalog: each method's params fields with their types and rules, "
       "for building command forms",
       "mqtt",
       Access::kCaller,
       std::nullopt,
       {},
       {{200, "{methods: [{name, fields}]}", "RpcMethods"}},
       [](ApiContext&, const RequestContext&) {
         return JsonReply(200, json{{"methods", rpc::DescribeMethods()}});
       }},
  };
}

}  // namespace iothub::http
