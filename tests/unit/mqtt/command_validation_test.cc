// ValidateCommand: the 400 cases of `/mqtt/device/command`, before anything is sent.
#include "mqtt/command_validation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iothub::mqtt {
namespace {

using nlohmann::json;

CommandRequest Valid() {
  return CommandRequest{"user-1", "device-1", "getDeviceState", json(), kDefaultCommandTimeout};
}

// A well-formed command passes and reports its method.
TEST(CommandValidationTest, AcceptsValidCommands) {
  rpc::Method method = rpc::Method::kReboot;
  EXPECT_TRUE(ValidateCommand(Valid(), &method).ok());
  EXPECT_EQ(method, rpc::Method::kGetDeviceState);

  CommandRequest update = Valid();
  update.method = "updateDiscreteTimer";
  update.params = {{"id", "t1"}, {"startTime", 10}, {"endTime", 1439}};
  update.timeout = kMaxCommandTimeout;
  EXPECT_TRUE(ValidateCommand(update).ok());

  CommandRequest empty_params = Valid();
  empty_params.params = json::object();
  empty_params.timeout = kMinCommandTimeout;
  EXPECT_TRUE(ValidateCommand(empty_params).ok());
}

// Each bad field is InvalidArgument with a message that names the field.
TEST(CommandValidationTest, RefusesBadFieldsNamingThem) {
  struct Case {
    const char* what;
    CommandRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  const auto with = [](auto change) {
    CommandRequest r = Valid();
    change(r);
    return r;
  };
  cases.push_back({"empty user", with([](auto& r) { r.user_id = ""; }), "userId"});
  cases.push_back({"user with slash", with([](auto& r) { r.user_id = "a/b"; }), "userId"});
  cases.push_back({"user wildcard", with([](auto& r) { r.user_id = "+"; }), "userId"});
  cases.push_back(
      {"user too long", with([](auto& r) { r.user_id = std::string(65, 'u'); }), "userId"});
  cases.push_back({"device with #", with([](auto& r) { r.device_id = "d#"; }), "deviceId"});
  cases.push_back({"device empty", with([](auto& r) { r.device_id = ""; }), "deviceId"});
  cases.push_back({"unknown method", with([](auto& r) { r.method = "selfDestruct"; }), "method"});
  cases.push_back({"method case", with([](auto& r) { r.method = "GetDeviceState"; }), "method"});
  cases.push_back({"params on a no-params method", with([](auto& r) {
                     r.params = {{"x", 1}};
                   }),
                   "params"});
  cases.push_back(
      {"params not an object", with([](auto& r) { r.params = json::array(); }), "params"});
  cases.push_back({"float for an integer", with([](auto& r) {
                     r.method = "updateDiscreteTimer";
                     r.params = {{"id", "t1"}, {"startTime", 1.5}};
                   }),
                   "params.startTime"});
  cases.push_back({"update without id", with([](auto& r) {
                     r.method = "updateDiscreteTimer";
                     r.params = {{"startTime", 1}};
                   }),
                   "params"});
  cases.push_back({"timeout too short",
                   with([](auto& r) { r.timeout = std::chrono::milliseconds(999); }), "timeout"});
  cases.push_back({"timeout too long",
                   with([](auto& r) { r.timeout = std::chrono::milliseconds(30001); }), "timeout"});
  for (const Case& c : cases) {
    const absl::Status status = ValidateCommand(c.request);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.what << ": " << status;
    EXPECT_EQ(status.message().rfind(c.field, 0), 0u) << c.what << ": " << status;
  }
}

}  // namespace
}  // namespace iothub::mqtt
