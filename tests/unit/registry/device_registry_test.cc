#include "registry/device_registry.h"

#include <gtest/gtest.h>

#include "registry_fixture.h"

namespace iothub::registry {
namespace {

using DeviceRegistryTest = RegistryTest;

// create -> unbound; bind -> bound; unbind -> unbound; revoke -> revoked; each with an
// audit row and an on_change call.
TEST_F(DeviceRegistryTest, LifecycleWithAudit) {
  const User user = MakeUser("a@example.com");
  const int changes_before = changes_;
  auto created = devices().CreateDevice({.id = "dev-1", .model = "sensor-v2"}, kActor);
  ASSERT_OK(created);
  EXPECT_EQ(created->status, DeviceStatus::kUnbound);
  EXPECT_EQ(created->model, "sensor-v2");
  EXPECT_FALSE(created->owner_id.has_value());

  auto bound = devices().BindDevice("dev-1", user.id, kActor);
  ASSERT_OK(bound);
  EXPECT_EQ(bound->status, DeviceStatus::kBound);
  EXPECT_EQ(bound->owner_id, user.id);
  EXPECT_EQ(devices().GetDevice("dev-1")->owner_id, user.id);

  auto unbound = devices().UnbindDevice("dev-1", kActor);
  ASSERT_OK(unbound);
  EXPECT_EQ(unbound->status, DeviceStatus::kUnbound);
  EXPECT_FALSE(unbound->owner_id.has_value());

  ASSERT_OK(devices().BindDevice("dev-1", user.id, kActor));
  auto revoked = devices().RevokeDevice("dev-1", kActor);
  ASSERT_OK(revoked);
  EXPECT_EQ(revoked->status, DeviceStatus::kRevoked);
  EXPECT_FALSE(revoked->owner_id.has_value());  // no longer counts against the plan
  EXPECT_EQ(devices().GetDevice("dev-1")->status, DeviceStatus::kRevoked);

  EXPECT_EQ(changes_ - changes_before, 5);
  auto audit = store_->ListAudit(10);
  ASSERT_OK(audit);
  ASSERT_GE(audit->size(), 5u);
  EXPECT_EQ((*audit)[0].action, "device.revoke");
  EXPECT_EQ((*audit)[0].target, "dev-1");
  EXPECT_EQ((*audit)[0].actor, kActor);
  EXPECT_NE((*audit)[0].details_json.find("\"previousOwnerId\":\"" + user.id + "\""),
            std::string::npos);
  EXPECT_EQ((*audit)[1].action, "device.bind");
  EXPECT_EQ((*audit)[2].action, "device.unbind");
  EXPECT_EQ((*audit)[3].action, "device.bind");
  EXPECT_EQ((*audit)[4].action, "device.create");
}

// Unbinding revokes the certificates signed during the owner's tenure (what a user can
// obtain), keeps those signed while the device was unbound, and counts them in the audit.
TEST_F(DeviceRegistryTest, UnbindRevokesCertificatesOfTheOwnersTenure) {
  const User alice = MakeUser("alice@example.com");
  const User bob = MakeUser("bob@example.com");
  ASSERT_OK(devices().CreateDevice({.id = "dev-1"}, kActor));
  auto factory = certificates().SignCsr({.device_id = "dev-1", .csr_pem = OpensslCsr()}, kActor);
  ASSERT_OK(factory);
  EXPECT_FALSE(factory->owner_at_issue.has_value());

  ASSERT_OK(devices().BindDevice("dev-1", alice.id, kActor));
  auto alices =
      certificates().SignCsr({.device_id = "dev-1", .csr_pem = OpensslCsr()}, "user:" + alice.id);
  ASSERT_OK(alices);
  EXPECT_EQ(alices->owner_at_issue, alice.id);
  EXPECT_EQ(store_->GetCertificateByFingerprint(alices->fingerprint)->owner_at_issue, alice.id);

  ASSERT_OK(devices().UnbindDevice("dev-1", "user:" + alice.id));
  auto after = store_->GetCertificateByFingerprint(alices->fingerprint);
  ASSERT_OK(after);
  ASSERT_TRUE(after->revoked_at.has_value());
  EXPECT_EQ(after->revocation_reason, DeviceRegistry::kOwnershipEndedReason);
  EXPECT_TRUE(absl::IsNotFound(store_->GetCurrentCertificate("dev-1").status()));
  auto audit = store_->ListAudit(1);
  ASSERT_OK(audit);
  EXPECT_EQ((*audit)[0].action, "device.unbind");
  EXPECT_NE((*audit)[0].details_json.find("\"certificatesRevoked\":1"), std::string::npos)
      << (*audit)[0].details_json;

  // The next owner's certificates are theirs; a provisioning certificate signed while
  // unbound survives an unbind.
  ASSERT_OK(devices().BindDevice("dev-1", bob.id, kActor));
  ASSERT_OK(devices().UnbindDevice("dev-1", kActor));
  auto provisioning =
      certificates().SignCsr({.device_id = "dev-1", .csr_pem = OpensslCsr()}, kActor);
  ASSERT_OK(provisioning);
  ASSERT_OK(devices().BindDevice("dev-1", bob.id, kActor));
  ASSERT_OK(devices().UnbindDevice("dev-1", kActor));
  auto current = store_->GetCurrentCertificate("dev-1");
  ASSERT_OK(current);
  EXPECT_EQ(current->fingerprint, provisioning->fingerprint);
}

// Transitions the state does not allow fail with FailedPrecondition naming the state,
// and write nothing.
TEST_F(DeviceRegistryTest, IllegalTransitionsNameTheState) {
  const User user = MakeUser("a@example.com");
  const User other = MakeUser("b@example.com");
  ASSERT_OK(devices().CreateDevice({.id = "d1"}, kActor));

  auto unbind_unbound = devices().UnbindDevice("d1", kActor);
  EXPECT_EQ(unbind_unbound.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(unbind_unbound.status().message().find("device d1 is unbound"), absl::string_view::npos)
      << unbind_unbound.status();

  ASSERT_OK(devices().BindDevice("d1", user.id, kActor));
  const std::int64_t audit_before = AuditCount();
  auto bind_bound = devices().BindDevice("d1", other.id, kActor);
  EXPECT_EQ(bind_bound.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(bind_bound.status().message().find("device d1 is bound to user " + user.id),
            absl::string_view::npos)
      << bind_bound.status();
  EXPECT_EQ(devices().GetDevice("d1")->owner_id, user.id);

  ASSERT_OK(devices().RevokeDevice("d1", kActor));
  for (const auto& result :
       {devices().BindDevice("d1", user.id, kActor), devices().UnbindDevice("d1", kActor),
        devices().RevokeDevice("d1", kActor)}) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(result.status().message().find("device d1 is revoked"), absl::string_view::npos)
        << result.status();
  }
  EXPECT_EQ(AuditCount(), audit_before + 1);  // only the successful revoke
}

// Unknown devices and users are NotFound with a message naming them.
TEST_F(DeviceRegistryTest, UnknownDeviceOrUser) {
  const User user = MakeUser("a@example.com");
  ASSERT_OK(devices().CreateDevice({.id = "d1"}, kActor));
  auto missing_device = devices().BindDevice("nope", user.id, kActor);
  EXPECT_EQ(missing_device.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing_device.status().message(), "device nope not found");
  auto missing_user = devices().BindDevice("d1", "no-such-user", kActor);
  EXPECT_EQ(missing_user.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing_user.status().message(), "user no-such-user not found");
  EXPECT_EQ(devices().GetDevice("d1")->status, DeviceStatus::kUnbound);
  EXPECT_EQ(devices().GetDevice("nope").status().code(), absl::StatusCode::kNotFound);
}

// A taken id is AlreadyExists and leaves the first device alone.
TEST_F(DeviceRegistryTest, DuplicateIdRefused) {
  ASSERT_OK(devices().CreateDevice({.id = "d1", .model = "first"}, kActor));
  auto again = devices().CreateDevice({.id = "d1", .model = "second"}, kActor);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "device d1 already exists");
  EXPECT_EQ(devices().GetDevice("d1")->model, "first");
  EXPECT_EQ(AuditCount(), 1);
}

// The plan's max_devices bounds how many devices a user may own; revoked and unbound
// devices do not count; a pro plan raises the limit.
TEST_F(DeviceRegistryTest, PlanDeviceLimit) {
  const User user = MakeUser("a@example.com");  // free: 5 devices
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(devices().CreateDevice({.id = "d" + std::to_string(i)}, kActor));
  }
  for (int i = 0; i < 5; ++i)
    ASSERT_OK(devices().BindDevice("d" + std::to_string(i), user.id, kActor));
  const std::int64_t audit_before = AuditCount();
  auto sixth = devices().BindDevice("d5", user.id, kActor);
  EXPECT_EQ(sixth.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(sixth.status().message().find("5 devices plan 'free' allows"), absl::string_view::npos)
      << sixth.status();
  EXPECT_EQ(devices().GetDevice("d5")->status, DeviceStatus::kUnbound);
  EXPECT_EQ(AuditCount(), audit_before);

  ASSERT_OK(devices().RevokeDevice("d0", kActor));  // frees a slot
  EXPECT_OK(devices().BindDevice("d5", user.id, kActor));

  ASSERT_OK(devices().CreateDevice({.id = "d6"}, kActor));
  EXPECT_EQ(devices().BindDevice("d6", user.id, kActor).status().code(),
            absl::StatusCode::kResourceExhausted);
  ASSERT_OK(users().SetPlan(user.id, "pro", std::nullopt, kActor));
  EXPECT_OK(devices().BindDevice("d6", user.id, kActor));
}

// An expired paid plan falls back to free's limit.
TEST_F(DeviceRegistryTest, ExpiredPlanFallsBackToFree) {
  const User user = MakeUser("a@example.com");
  ASSERT_OK(users().SetPlan(user.id, "pro", clock_.NowUnixMillis() + 60'000, kActor));
  for (int i = 0; i < 7; ++i) {
    ASSERT_OK(devices().CreateDevice({.id = "d" + std::to_string(i)}, kActor));
  }
  for (int i = 0; i < 6; ++i)
    ASSERT_OK(devices().BindDevice("d" + std::to_string(i), user.id, kActor));
  clock_.Advance(std::chrono::minutes(2));
  auto over = devices().BindDevice("d6", user.id, kActor);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(over.status().message().find("plan 'free'"), absl::string_view::npos);
}

// Ids with MQTT wildcards, separators, quotes, SQL, NUL, newlines, or too long are
// InvalidArgument before anything is read or written.
TEST_F(DeviceRegistryTest, HostileIdsRefusedAndNothingWritten) {
  const User user = MakeUser("a@example.com");
  ASSERT_OK(devices().CreateDevice({.id = "good"}, kActor));
  const std::int64_t devices_before = DeviceCount();
  const std::int64_t audit_before = AuditCount();
  const int changes_before = changes_;
  const std::string hostile[] = {"",
                                 "a/b",
                                 "a+b",
                                 "a#",
                                 "+",
                                 "#",
                                 "it's",
                                 "\"quoted\"",
                                 "x'; DROP TABLE devices;--",
                                 std::string("nul\0byte", 8),
                                 "line\nbreak",
                                 "space here",
                                 "ünïcode",
                                 std::string(58, 'a'),
                                 std::string(65, 'a')};
  for (const std::string& id : hostile) {
    SCOPED_TRACE(id);
    auto created = devices().CreateDevice({.id = id}, kActor);
    EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
    // The message is one printable line whatever the id held.
    for (char c : created.status().message()) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
    if (id.size() <= 57) {  // longer ids are valid for look-ups (NotFound)
      EXPECT_EQ(devices().BindDevice(id, user.id, kActor).status().code(),
                absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(devices().BindDevice("good", id, kActor).status().code(),
                absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(devices().UnbindDevice(id, kActor).status().code(),
                absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(devices().RevokeDevice(id, kActor).status().code(),
                absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(DeviceCount(), devices_before);
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_EQ(changes_, changes_before);
  EXPECT_EQ(devices().GetDevice("good")->status, DeviceStatus::kUnbound);
}

// 57 characters is the longest id; 58 is refused with the reason (the certificate CN).
TEST_F(DeviceRegistryTest, IdLengthLimitExplained) {
  EXPECT_OK(devices().CreateDevice({.id = std::string(57, 'x')}, kActor));
  auto too_long = devices().CreateDevice({.id = std::string(58, 'x')}, kActor);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("at most 57"), absl::string_view::npos);
  EXPECT_NE(too_long.status().message().find("64-character"), absl::string_view::npos);
}

// Model, firmware and public key are validated; a valid key is stored canonically.
TEST_F(DeviceRegistryTest, OptionalFieldsValidated) {
  EXPECT_EQ(
      devices().CreateDevice({.id = "d1", .model = std::string(101, 'm')}, kActor).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(devices().CreateDevice({.id = "d1", .model = "a\nb"}, kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(devices().CreateDevice({.id = "d1", .firmware_version = ""}, kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      devices().CreateDevice({.id = "d1", .public_key_pem = "not a key"}, kActor).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeviceCount(), 0);

  OpensslCsr();
  const Shell pub = RunShell("openssl pkey -in '" + dir_.File("device.key") + "' -pubout");
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  auto created = devices().CreateDevice(
      {.id = "d1", .model = "m", .firmware_version = "1.0.0", .public_key_pem = pub.output},
      kActor);
  ASSERT_OK(created);
  EXPECT_EQ(created->public_key, pub.output);
  EXPECT_EQ(created->firmware_version, "1.0.0");
}

// Listing pages through devices in creation order, filters by owner, and checks paging.
TEST_F(DeviceRegistryTest, ListPagingAndOwnerFilter) {
  const User user = MakeUser("a@example.com");
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(devices().CreateDevice({.id = "d" + std::to_string(100 + i)}, kActor));
    clock_.Advance(std::chrono::milliseconds(1));
  }
  ASSERT_OK(devices().BindDevice("d103", user.id, kActor));
  ASSERT_OK(devices().BindDevice("d107", user.id, kActor));

  auto first = devices().ListDevices({}, std::nullopt);
  ASSERT_OK(first);
  EXPECT_EQ(first->total, 12);
  EXPECT_EQ(first->page, 1);
  EXPECT_EQ(first->limit, 10);
  ASSERT_EQ(first->items.size(), 10u);
  EXPECT_EQ(first->items[0].id, "d100");
  auto second = devices().ListDevices({.page = 2, .limit = 10}, std::nullopt);
  ASSERT_OK(second);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[1].id, "d111");

  auto owned = devices().ListDevices({.page = 1, .limit = 100}, user.id);
  ASSERT_OK(owned);
  EXPECT_EQ(owned->total, 2);
  ASSERT_EQ(owned->items.size(), 2u);
  EXPECT_EQ(owned->items[0].id, "d103");

  EXPECT_EQ(devices().ListDevices({.page = 0, .limit = 10}, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(devices().ListDevices({.page = 1, .limit = 0}, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(devices().ListDevices({.page = 1, .limit = 101}, std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(devices().ListDevices({}, std::string_view("a/b")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// An empty or control-character actor is refused.
TEST_F(DeviceRegistryTest, ActorValidated) {
  EXPECT_EQ(devices().CreateDevice({.id = "d1"}, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(devices().CreateDevice({.id = "d1"}, "a\nb").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeviceCount(), 0);
}

}  // namespace
}  // namespace iothub::registry
