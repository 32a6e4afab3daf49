// DeviceRegistry::ClaimDevice and claim codes: single use, lockouts per device and per
// user in a sliding window (a ManualClock), audit rows, a new code on unbind, rotation.
#include <gtest/gtest.h>

#include "registry/claim_code.h"
#include "registry/device_registry.h"
#include "registry_fixture.h"

namespace iothub::registry {
namespace {

class DeviceClaimTest : public RegistryTest {
 protected:
  // A new unbound device; returns its claim code.
  std::string MakeDevice(const std::string& id) {
    std::string code;
    EXPECT_TRUE(devices().CreateDevice({.id = id}, kActor, &code).ok());
    return code;
  }

  absl::Status Claim(const std::string& id, const User& user, std::string_view code) {
    return devices().ClaimDevice(id, user.id, code, "user:" + user.id).status();
  }

  std::vector<store::AuditEntry> Audit(std::string_view action) {
    std::vector<store::AuditEntry> out;
    auto all = store_->ListAudit(1000);
    EXPECT_TRUE(all.ok());
    for (auto& entry : *all) {
      if (entry.action == action) out.push_back(entry);
    }
    return out;
  }

  static constexpr std::string_view kWrong = "0000-0000-0000-0000";
};

// The right code binds the device to the claimer, with a device.claim audit row that
// never holds the code; the same code then fails (single use).
TEST_F(DeviceClaimTest, RightCodeClaimsOnce) {
  const User alice = MakeUser("alice@example.com");
  const std::string code = MakeDevice("dev-1");
  ASSERT_EQ(code.size(), 19u);
  ASSERT_OK(Claim("dev-1", alice, code));
  EXPECT_EQ(devices().GetDevice("dev-1")->owner_id, alice.id);
  EXPECT_EQ(store_->GetClaimCode("dev-1").status().code(), absl::StatusCode::kNotFound);
  auto claims = Audit(DeviceRegistry::kClaimAction);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].actor, "user:" + alice.id);
  EXPECT_EQ(claims[0].target, "dev-1");
  EXPECT_EQ(claims[0].details_json.find(code.substr(0, 4)), std::string::npos);
  const auto all = store_->ListAudit(1000);
  for (const auto& entry : *all) {
    EXPECT_EQ(entry.details_json.find(code), std::string::npos) << entry.action;
  }

  // Bound now: a second claim (by anyone, with the old code) is refused.
  const User bob = MakeUser("bob@example.com");
  EXPECT_EQ(Claim("dev-1", bob, code).code(), absl::StatusCode::kFailedPrecondition);
}

// Lower case and missing dashes are the same code.
TEST_F(DeviceClaimTest, CodeTypedLooselyStillWorks) {
  const User alice = MakeUser("alice@example.com");
  std::string code = MakeDevice("dev-1");
  std::string loose;
  for (char c : code) {
    if (c != '-') loose.push_back(static_cast<char>(std::tolower(c)));
  }
  ASSERT_OK(Claim("dev-1", alice, loose));
}

// A wrong code is PermissionDenied, leaves the device unbound, and is audited and
// counted although the claim is refused.
TEST_F(DeviceClaimTest, WrongCodeIsRefusedAuditedAndCounted) {
  const User alice = MakeUser("alice@example.com");
  MakeDevice("dev-1");
  EXPECT_EQ(Claim("dev-1", alice, kWrong).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(devices().GetDevice("dev-1")->status, DeviceStatus::kUnbound);
  auto refused = Audit(DeviceRegistry::kClaimRefusedAction);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].details_json.find("wrong code"), std::string::npos);
  EXPECT_EQ(refused[0].details_json.find("0000"), std::string::npos);
  EXPECT_EQ(store_->ListClaimFailures("device:dev-1", 0)->size(), 1u);
  EXPECT_EQ(store_->ListClaimFailures("user:" + alice.id, 0)->size(), 1u);
}

// Five wrong codes for one device lock it for 15 minutes, even against the right code
// and another user; Retry-After counts down with the clock; then the right code works.
TEST_F(DeviceClaimTest, DeviceLockoutWindow) {
  const User alice = MakeUser("alice@example.com");
  const User bob = MakeUser("bob@example.com");
  const std::string code = MakeDevice("dev-1");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Claim("dev-1", alice, kWrong).code(), absl::StatusCode::kPermissionDenied);
    clock_.Advance(std::chrono::seconds(1));
  }
  absl::Status locked = Claim("dev-1", bob, code);
  EXPECT_EQ(locked.code(), absl::StatusCode::kResourceExhausted);
  // The first failure was 5 s ago: it leaves the window in 15 min - 5 s.
  EXPECT_EQ(RetryAfterSeconds(locked), 15 * 60 - 5);
  // Lockout refusals are audited but do not extend the lockout.
  EXPECT_EQ(store_->ListClaimFailures("device:dev-1", 0)->size(), 5u);
  EXPECT_NE(Audit(DeviceRegistry::kClaimRefusedAction)[0].details_json.find("locked out"),
            std::string::npos);

  clock_.Advance(std::chrono::minutes(15) - std::chrono::seconds(6));
  EXPECT_EQ(RetryAfterSeconds(Claim("dev-1", bob, code)), 1);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_OK(Claim("dev-1", bob, code));
}

// Twenty wrong codes by one user across many devices lock that user out for an hour,
// on every device, while other users may still claim.
TEST_F(DeviceClaimTest, UserLockoutWindow) {
  const User mallory = MakeUser("mallory@example.com");
  const User alice = MakeUser("alice@example.com");
  const std::string code = MakeDevice("target");
  for (int i = 0; i < 20; ++i) {
    const std::string id = "dev-" + std::to_string(i);
    MakeDevice(id);
    EXPECT_EQ(Claim(id, mallory, kWrong).code(), absl::StatusCode::kPermissionDenied);
  }
  absl::Status locked = Claim("target", mallory, code);
  EXPECT_EQ(locked.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterSeconds(locked), 3600);
  ASSERT_OK(Claim("target", alice, code));
  clock_.Advance(std::chrono::hours(1));
  const std::string other = MakeDevice("other");
  ASSERT_OK(Claim("other", mallory, other));
}

// A new failure drops those older than the longest window (an hour) from the store.
TEST_F(DeviceClaimTest, OldFailuresArePruned) {
  const User alice = MakeUser("alice@example.com");
  MakeDevice("dev-1");
  EXPECT_EQ(Claim("dev-1", alice, kWrong).code(), absl::StatusCode::kPermissionDenied);
  clock_.Advance(std::chrono::hours(1) + std::chrono::milliseconds(1));
  EXPECT_EQ(Claim("dev-1", alice, kWrong).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->ListClaimFailures("device:dev-1", 0)->size(), 1u);
  EXPECT_EQ(store_->ListClaimFailures("user:" + alice.id, 0)->size(), 1u);
}

// Unknown devices count as failures too, so ids cannot be probed without limit.
TEST_F(DeviceClaimTest, UnknownDeviceCountsAsFailure) {
  const User alice = MakeUser("alice@example.com");
  EXPECT_EQ(Claim("ghost", alice, kWrong).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListClaimFailures("user:" + alice.id, 0)->size(), 1u);
  EXPECT_EQ(Audit(DeviceRegistry::kClaimRefusedAction).size(), 1u);
}

// Unbinding issues a new code: the previous owner's old code no longer works, the new
// one does.
TEST_F(DeviceClaimTest, UnbindIssuesNewCode) {
  const User alice = MakeUser("alice@example.com");
  const User bob = MakeUser("bob@example.com");
  const std::string old_code = MakeDevice("dev-1");
  ASSERT_OK(Claim("dev-1", alice, old_code));
  std::string new_code;
  ASSERT_OK(devices().UnbindDevice("dev-1", "user:" + alice.id, &new_code));
  ASSERT_EQ(new_code.size(), 19u);
  EXPECT_NE(new_code, old_code);
  EXPECT_EQ(Claim("dev-1", alice, old_code).code(), absl::StatusCode::kPermissionDenied);
  ASSERT_OK(Claim("dev-1", bob, new_code));
}

// An admin bind needs no code and clears the device's code.
TEST_F(DeviceClaimTest, AdminBindClearsCode) {
  const User alice = MakeUser("alice@example.com");
  MakeDevice("dev-1");
  ASSERT_OK(devices().BindDevice("dev-1", alice.id, kActor));
  EXPECT_EQ(store_->GetClaimCode("dev-1").status().code(), absl::StatusCode::kNotFound);
}

// Rotation replaces the code of an unbound device and is refused for a bound one.
TEST_F(DeviceClaimTest, RotateReplacesCode) {
  const User alice = MakeUser("alice@example.com");
  const std::string old_code = MakeDevice("dev-1");
  absl::StatusOr<std::string> rotated = devices().RotateClaimCode("dev-1", kActor);
  ASSERT_OK(rotated);
  EXPECT_EQ(devices().CheckClaimCode("dev-1", old_code).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_OK(devices().CheckClaimCode("dev-1", *rotated));
  EXPECT_EQ(Audit(DeviceRegistry::kClaimCodeAction).size(), 1u);
  ASSERT_OK(Claim("dev-1", alice, *rotated));
  EXPECT_EQ(devices().RotateClaimCode("dev-1", kActor).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// A revoked device cannot be claimed, even with its code; a device without a code (made
// before schema v3) is refused with a hint.
TEST_F(DeviceClaimTest, RevokedOrCodelessDevicesAreRefused) {
  const User alice = MakeUser("alice@example.com");
  const std::string code = MakeDevice("dev-1");
  ASSERT_OK(devices().RevokeDevice("dev-1", kActor));
  EXPECT_EQ(Claim("dev-1", alice, code).code(), absl::StatusCode::kFailedPrecondition);
  MakeDevice("dev-2");
  ASSERT_OK(store_->ClearClaimCode("dev-2"));
  absl::Status codeless = Claim("dev-2", alice, kWrong);
  EXPECT_EQ(codeless.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(codeless.message().find("no claim code"), std::string::npos);
}

// Malformed input is refused before anything is counted or audited.
TEST_F(DeviceClaimTest, BadInputIsRefusedUncounted) {
  const User alice = MakeUser("alice@example.com");
  MakeDevice("dev-1");
  const std::int64_t audit_before = AuditCount();
  for (std::string_view code : {"", "nope", "' OR 1=1 --", "%%%%-%%%%-%%%%-%%%%"}) {
    EXPECT_EQ(Claim("dev-1", alice, code).code(), absl::StatusCode::kInvalidArgument) << code;
  }
  for (std::string_view id : {"", "a/b", "x' OR '1'='1", "%"}) {
    EXPECT_EQ(devices().ClaimDevice(id, alice.id, kWrong, kActor).status().code(),
              absl::StatusCode::kInvalidArgument)
        << id;
  }
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_TRUE(store_->ListClaimFailures("user:" + alice.id, 0)->empty());
}

}  // namespace
}  // namespace iothub::registry
