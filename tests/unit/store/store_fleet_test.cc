// LoadFleet and DataVersion in every Store backend: the hot-path snapshot's content, its speed
// at scale, and change detection across connections.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using FleetTest = StoreContractTest;

// The snapshot carries owners, statuses, each device's current fingerprint, certificate
// validity and revocation, the user subject index and plan expiry.
TEST_P(FleetTest, SnapshotContent) {
  User admin = MakeUser("u1", "a@x.com", "sub-admin");
  admin.role = Role::kAdmin;
  admin.plan = "pro";
  admin.plan_expires_at = 1'800'000'000'000;
  ASSERT_OK(store_->CreateUser(admin));
  ASSERT_OK(store_->CreateUser(MakeUser("u2", "b@x.com")));  // no subject
  ASSERT_OK(store_->CreateDevice(MakeDevice("bound", 1, "u1")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("free", 2)));
  Device revoked = MakeDevice("revoked", 3);
  revoked.status = DeviceStatus::kRevoked;
  ASSERT_OK(store_->CreateDevice(revoked));

  const Fingerprint old_fp = MakeFingerprint(0x11);
  const Fingerprint new_fp = MakeFingerprint(0x22);
  const Fingerprint dead_fp = MakeFingerprint(0x33);
  ASSERT_OK(store_->InsertCertificate(MakeCertificate("c1", "bound", old_fp, "01", 100)));
  ASSERT_OK(store_->InsertCertificate(MakeCertificate("c2", "bound", new_fp, "02", 200)));
  ASSERT_OK(store_->InsertCertificate(MakeCertificate("c3", "revoked", dead_fp, "03", 300)));
  ASSERT_OK(store_->RevokeCertificatesOfDevice("revoked", "device revoked", 400));

  ASSERT_OK_AND_ASSIGN(std::shared_ptr<FleetSnapshot> fleet, store_->LoadFleet());
  EXPECT_EQ(fleet->device_count(), 3u);
  EXPECT_EQ(fleet->user_count(), 2u);

  const DeviceRecord* bound = fleet->FindDevice("bound");
  ASSERT_NE(bound, nullptr);
  EXPECT_EQ(bound->owner_id, "u1");
  EXPECT_EQ(bound->status, DeviceStatus::kBound);
  EXPECT_TRUE(bound->has_certificate);
  EXPECT_EQ(bound->current_fingerprint, new_fp);

  const DeviceRecord* free = fleet->FindDevice("free");
  ASSERT_NE(free, nullptr);
  EXPECT_EQ(free->owner_id, "");
  EXPECT_EQ(free->status, DeviceStatus::kUnbound);
  EXPECT_FALSE(free->has_certificate);

  const DeviceRecord* gone = fleet->FindDevice("revoked");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->status, DeviceStatus::kRevoked);
  EXPECT_FALSE(gone->has_certificate);

  const CertificateRecord* current = fleet->FindCertificate(new_fp);
  ASSERT_NE(current, nullptr);
  EXPECT_EQ(current->device_id, "bound");
  EXPECT_EQ(current->valid_from, 200);
  EXPECT_FALSE(current->revoked);
  ASSERT_NE(fleet->FindCertificate(old_fp), nullptr);
  EXPECT_TRUE(fleet->FindCertificate(old_fp)->revoked);  // superseded
  ASSERT_NE(fleet->FindCertificate(dead_fp), nullptr);
  EXPECT_TRUE(fleet->FindCertificate(dead_fp)->revoked);

  const UserRecord* by_subject = fleet->FindUserBySubject("sub-admin");
  ASSERT_NE(by_subject, nullptr);
  EXPECT_EQ(by_subject->id, "u1");
  EXPECT_EQ(by_subject->role, Role::kAdmin);
  EXPECT_EQ(by_subject->plan, "pro");
  EXPECT_EQ(by_subject->plan_expires_at, 1'800'000'000'000);  // the RPC limit honours it
  EXPECT_EQ(fleet->FindUserBySubject(""), nullptr);
  ASSERT_NE(fleet->FindUser("u2"), nullptr);
  EXPECT_EQ(fleet->FindUser("u2")->subject, "");
  EXPECT_FALSE(fleet->FindUser("u2")->plan_expires_at.has_value());
}

// An empty database gives an empty snapshot.
TEST_P(FleetTest, EmptyFleet) {
  ASSERT_OK_AND_ASSIGN(auto fleet, store_->LoadFleet());
  EXPECT_EQ(fleet->device_count(), 0u);
  EXPECT_EQ(fleet->user_count(), 0u);
}

// A snapshot is a copy: later writes do not change it, the next load sees them.
TEST_P(FleetTest, SnapshotIsImmutableCopy) {
  ASSERT_OK_AND_ASSIGN(auto before, store_->LoadFleet());
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  EXPECT_EQ(before->FindDevice("dev-1"), nullptr);
  ASSERT_OK_AND_ASSIGN(auto after, store_->LoadFleet());
  EXPECT_NE(after->FindDevice("dev-1"), nullptr);
}

// Scale check: 100k devices (SQLite; 10k on PostgreSQL) with certificates load in one pass (time
// printed, not asserted).
TEST_P(FleetTest, LoadsLargeFleet) {
  // PostgreSQL pays a network round trip per call: 10k keeps the test quick.
  const int kDevices = backend() == Backend::kPostgres ? 10'000 : 100'000;
  ASSERT_OK(store_->CreateUser(MakeUser("owner", "o@x.com", "sub")));
  const auto insert_start = std::chrono::steady_clock::now();
  ASSERT_OK(store_->RunInTransaction([&](Store& tx) -> absl::Status {
    for (int i = 0; i < kDevices; ++i) {
      const std::string id = "dev-" + std::to_string(i);
      absl::Status s = tx.CreateDevice(
          MakeDevice(id, i, i % 2 ? std::optional<std::string>("owner") : std::nullopt));
      if (!s.ok()) return s;
      Fingerprint fp{};
      for (int b = 0; b < 4; ++b) fp[b] = static_cast<std::uint8_t>(i >> (8 * b));
      s = tx.InsertCertificate(MakeCertificate("c-" + id, id, fp, std::to_string(i), i));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  const auto load_start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(auto fleet, store_->LoadFleet());
  const auto load_end = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("[ info     ] inserted %d devices+certificates in %lld ms, LoadFleet took %lld ms\n",
              kDevices, static_cast<long long>(ms(load_start - insert_start)),
              static_cast<long long>(ms(load_end - load_start)));
  EXPECT_EQ(fleet->device_count(), static_cast<std::size_t>(kDevices));
  const DeviceRecord* d = fleet->FindDevice("dev-4321");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->owner_id, "owner");
  EXPECT_TRUE(d->has_certificate);
  ASSERT_NE(fleet->FindCertificate(d->current_fingerprint), nullptr);
  EXPECT_EQ(fleet->FindCertificate(d->current_fingerprint)->device_id, "dev-4321");
}

// Reads DataVersion after a pause long enough for a change notification to arrive.
std::int64_t VersionAfterQuiet(Store& store) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return store.DataVersion().value_or(-1);
}

// Polls DataVersion until it differs from `from`, for up to 1 s; returns the last value.
std::int64_t WaitForNewVersion(Store& store, std::int64_t from) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::int64_t now = from;
  while (now == from && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = store.DataVersion().value_or(from);
  }
  return now;
}

// A commit through another store on the same database (as the CLI or another hub would
// make) changes this store's DataVersion within 1 s (SQLite: at once; PostgreSQL:
// through NOTIFY); reads, this store's own writes and rolled-back transactions do not.
TEST_P(FleetTest, DataVersionSeesOtherConnectionsCommits) {
  ASSERT_OK_AND_ASSIGN(auto other, OpenAnother());
  ASSERT_OK_AND_ASSIGN(std::int64_t v1, store_->DataVersion());
  EXPECT_EQ(VersionAfterQuiet(*store_), v1);  // nothing happened

  ASSERT_OK(store_->CreateDevice(MakeDevice("mine")));
  ASSERT_OK(store_->GetDevice("mine"));
  const std::int64_t v2 = VersionAfterQuiet(*store_);
  EXPECT_EQ(v2, v1);  // own writes are known to the caller already

  ASSERT_OK(other->CreateDevice(MakeDevice("theirs")));
  const std::int64_t v3 = WaitForNewVersion(*store_, v2);
  EXPECT_NE(v3, v2);
  ASSERT_OK_AND_ASSIGN(auto fleet, store_->LoadFleet());
  EXPECT_NE(fleet->FindDevice("theirs"), nullptr);

  // A rolled-back transaction elsewhere is not a change.
  EXPECT_FALSE(other
                   ->RunInTransaction([](Store& tx) {
                     EXPECT_OK(tx.CreateDevice(MakeDevice("never")));
                     return absl::AbortedError("no");
                   })
                   .ok());
  EXPECT_EQ(VersionAfterQuiet(*store_), v3);
}

INSTANTIATE_STORE_CONTRACT(FleetTest);

}  // namespace
}  // namespace iothub::store
