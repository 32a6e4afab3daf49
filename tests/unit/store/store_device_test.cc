// Devices in every Store backend: CRUD, paging, last-seen batches, hostile strings.
#include <gtest/gtest.h>

#include <filesystem>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using DeviceTest = StoreContractTest;
using SqliteDeviceTest = StoreTest;

// Open creates the missing data directory and a WAL-mode database file.
TEST_F(SqliteDeviceTest, OpenCreatesDirectoryAndFile) {
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));
}

// A created device reads back field for field, optional fields included.
TEST_P(DeviceTest, CreateAndGetRoundTrip) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "u1@example.com")));
  Device d = MakeDevice("dev-1", 1234, "u1");
  d.firmware_version = "1.2.3";
  d.last_seen_at = 5678;
  ASSERT_OK(store_->CreateDevice(d));
  ASSERT_OK_AND_ASSIGN(Device got, store_->GetDevice("dev-1"));
  EXPECT_EQ(got.id, "dev-1");
  EXPECT_EQ(got.model, d.model);
  EXPECT_EQ(got.public_key, d.public_key);
  EXPECT_EQ(got.owner_id, std::optional<std::string>("u1"));
  EXPECT_EQ(got.status, DeviceStatus::kBound);
  EXPECT_EQ(got.firmware_version, std::optional<std::string>("1.2.3"));
  EXPECT_EQ(got.last_seen_at, std::optional<UnixMillis>(5678));
  EXPECT_EQ(got.created_at, 1234);

  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-2")));
  ASSERT_OK_AND_ASSIGN(Device plain, store_->GetDevice("dev-2"));
  EXPECT_EQ(plain.owner_id, std::nullopt);
  EXPECT_EQ(plain.firmware_version, std::nullopt);
  EXPECT_EQ(plain.last_seen_at, std::nullopt);
  EXPECT_EQ(plain.status, DeviceStatus::kUnbound);
}

// An unknown id is NotFound.
TEST_P(DeviceTest, GetUnknownIsNotFound) { EXPECT_CODE(store_->GetDevice("nope"), kNotFound); }

// A taken id is AlreadyExists and the first row is untouched.
TEST_P(DeviceTest, DuplicateIdIsAlreadyExists) {
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1", 1)));
  Device other = MakeDevice("dev-1", 2);
  other.model = "other";
  EXPECT_CODE(store_->CreateDevice(other), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(Device got, store_->GetDevice("dev-1"));
  EXPECT_EQ(got.model, "sensor-v1");
  EXPECT_EQ(store_->CountDevices(std::nullopt).value(), 1);
}

// owner_id must name an existing user (foreign key), and a bound device needs one.
TEST_P(DeviceTest, OwnerMustExistAndBoundNeedsOwner) {
  EXPECT_CODE(store_->CreateDevice(MakeDevice("dev-1", 1, "ghost")), kFailedPrecondition);
  Device bound_without_owner = MakeDevice("dev-2");
  bound_without_owner.status = DeviceStatus::kBound;
  EXPECT_CODE(store_->CreateDevice(bound_without_owner), kInvalidArgument);
  EXPECT_EQ(store_->CountDevices(std::nullopt).value(), 0);
}

// UpdateDevice replaces the row (bind, unbind, revoke) but keeps created_at.
TEST_P(DeviceTest, UpdateReplacesRow) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "u1@example.com")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1", 100)));
  Device d = MakeDevice("dev-1", 999, "u1");
  d.firmware_version = "2.0";
  ASSERT_OK(store_->UpdateDevice(d));
  ASSERT_OK_AND_ASSIGN(Device got, store_->GetDevice("dev-1"));
  EXPECT_EQ(got.owner_id, std::optional<std::string>("u1"));
  EXPECT_EQ(got.status, DeviceStatus::kBound);
  EXPECT_EQ(got.firmware_version, std::optional<std::string>("2.0"));
  EXPECT_EQ(got.created_at, 100);

  d.owner_id.reset();
  d.status = DeviceStatus::kRevoked;
  d.firmware_version.reset();
  ASSERT_OK(store_->UpdateDevice(d));
  ASSERT_OK_AND_ASSIGN(got, store_->GetDevice("dev-1"));
  EXPECT_EQ(got.owner_id, std::nullopt);
  EXPECT_EQ(got.status, DeviceStatus::kRevoked);
  EXPECT_EQ(got.firmware_version, std::nullopt);

  EXPECT_CODE(store_->UpdateDevice(MakeDevice("ghost")), kNotFound);
}

// Paging walks (created_at, id) order; counts honour the owner filter.
TEST_P(DeviceTest, ListPagesAndCounts) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "u1@example.com")));
  ASSERT_OK(store_->CreateUser(MakeUser("u2", "u2@example.com")));
  // Created out of order; dev-3 and dev-4 share a timestamp (tie broken by id).
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-4", 30, "u1")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1", 10, "u1")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-3", 30)));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-2", 20, "u2")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-5", 50, "u1")));

  auto ids = [](const std::vector<Device>& devices) {
    std::vector<std::string> out;
    for (const Device& d : devices) out.push_back(d.id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(store_->ListDevices(0, 2, std::nullopt).value()), (V{"dev-1", "dev-2"}));
  EXPECT_EQ(ids(store_->ListDevices(2, 2, std::nullopt).value()), (V{"dev-3", "dev-4"}));
  EXPECT_EQ(ids(store_->ListDevices(4, 2, std::nullopt).value()), (V{"dev-5"}));
  EXPECT_EQ(ids(store_->ListDevices(5, 2, std::nullopt).value()), V{});
  EXPECT_EQ(ids(store_->ListDevices(0, 0, std::nullopt).value()), V{});
  EXPECT_EQ(ids(store_->ListDevices(1, 10, "u1").value()), (V{"dev-4", "dev-5"}));
  EXPECT_EQ(ids(store_->ListDevices(0, 10, "nobody").value()), V{});

  EXPECT_EQ(store_->CountDevices(std::nullopt).value(), 5);
  EXPECT_EQ(store_->CountDevices("u1").value(), 3);
  EXPECT_EQ(store_->CountDevicesOwnedBy("u2").value(), 1);
  EXPECT_EQ(store_->CountDevicesOwnedBy("nobody").value(), 0);

  EXPECT_CODE(store_->ListDevices(-1, 10, std::nullopt), kInvalidArgument);
  EXPECT_CODE(store_->ListDevices(0, -1, std::nullopt), kInvalidArgument);
}

// A last-seen batch updates known devices, skips unknown ones and never goes back.
TEST_P(DeviceTest, TouchLastSeenBatch) {
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-2")));
  const LastSeen batch[] = {{"dev-1", 500}, {"ghost", 600}, {"dev-2", 700}, {"dev-1", 400}};
  ASSERT_OK(store_->TouchLastSeen(batch));
  EXPECT_EQ(store_->GetDevice("dev-1")->last_seen_at, std::optional<UnixMillis>(500));
  EXPECT_EQ(store_->GetDevice("dev-2")->last_seen_at, std::optional<UnixMillis>(700));
  const LastSeen later[] = {{"dev-1", 800}};
  ASSERT_OK(store_->TouchLastSeen(later));
  EXPECT_EQ(store_->GetDevice("dev-1")->last_seen_at, std::optional<UnixMillis>(800));
  ASSERT_OK(store_->TouchLastSeen({}));
}

// SQL-looking text, quotes, array-literal syntax and unicode are stored and read back
// verbatim. (NUL bytes: SQLite keeps them, PostgreSQL refuses them; see the backend
// tests.)
TEST_P(DeviceTest, HostileStringsRoundTrip) {
  const std::string values[] = {
      "'; DROP TABLE devices; --",
      "\"double\" 'single' `back` \\slash",
      "{\"a\",b}, $1 NULL",
      "Ünïcødé ✓ 设备 🚀",
  };
  int n = 0;
  for (const std::string& v : values) {
    Device d = MakeDevice("dev-" + std::to_string(n++));
    d.model = v;
    d.public_key = v;
    d.firmware_version = v;
    ASSERT_OK(store_->CreateDevice(d));
    ASSERT_OK_AND_ASSIGN(Device got, store_->GetDevice(d.id));
    EXPECT_EQ(got.model, v);
    EXPECT_EQ(got.public_key, v);
    EXPECT_EQ(got.firmware_version, std::optional<std::string>(v));
  }
  // An id that looks like SQL is just a key that does not exist.
  EXPECT_CODE(store_->GetDevice("' OR '1'='1"), kNotFound);
  EXPECT_EQ(store_->CountDevices(std::nullopt).value(), 4);
}

// SQLite stores NUL bytes inside text verbatim.
TEST_F(SqliteDeviceTest, NulBytesRoundTrip) {
  const std::string v("nul\0inside\0", 11);
  Device d = MakeDevice("dev-1");
  d.model = v;
  d.firmware_version = v;
  ASSERT_OK(store_->CreateDevice(d));
  ASSERT_OK_AND_ASSIGN(Device got, store_->GetDevice(d.id));
  EXPECT_EQ(got.model, v);
  EXPECT_EQ(got.firmware_version, std::optional<std::string>(v));
}

INSTANTIATE_STORE_CONTRACT(DeviceTest);

}  // namespace
}  // namespace iothub::store
