#include "registry/fleet_view.h"

#include <gtest/gtest.h>

#include <thread>

#include "registry_fixture.h"
#include "store/postgres_store.h"
#include "support/postgres_server.h"

namespace iothub::registry {
namespace {

using namespace std::chrono_literals;

// Waits up to `timeout` for `done`; returns how long it took, or nullopt.
template <typename Pred>
std::optional<std::chrono::milliseconds> WaitFor(Pred done, std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < timeout) {
    if (done()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
    }
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

using FleetViewTest = RegistryTest;

// A change committed through ANOTHER store on the same file (as the CLI does) shows in
// the snapshot within about a second, found by polling DataVersion.
TEST_F(FleetViewTest, PicksUpChangesFromAnotherStoreInstance) {
  FleetView view(*store_);
  ASSERT_OK(view.Start());
  EXPECT_EQ(view.snapshot()->device_count(), 0u);

  auto other_store = store::SqliteStore::Open(DatabasePath(dir_.path() / "data").string());
  ASSERT_OK(other_store);
  Registry other(**other_store, *cas_, clock_, DefaultPlans());  // no on_change wired
  ASSERT_OK(other.devices().CreateDevice({.id = "from-cli"}, "cli:test"));

  const auto took =
      WaitFor([&] { return view.snapshot()->FindDevice("from-cli") != nullptr; }, 2000ms);
  ASSERT_TRUE(took.has_value()) << "change not picked up";
  EXPECT_LT(*took, 1000ms);

  // A revoke by the other process is seen too.
  ASSERT_OK(other.devices().RevokeDevice("from-cli", "cli:test"));
  ASSERT_TRUE(WaitFor(
      [&] {
        const DeviceRecord* d = view.snapshot()->FindDevice("from-cli");
        return d != nullptr && d->status == DeviceStatus::kRevoked;
      },
      2000ms));
  view.Stop();
  EXPECT_EQ(view.reload_failures(), 0u);
}

// A change through this process's store (which DataVersion does not report) shows
// after Notify, wired as the registry's on_change.
TEST_F(FleetViewTest, NotifyReloadsOwnWrites) {
  FleetView view(*store_, std::chrono::milliseconds(60'000));  // no polling in time
  Registry registry(*store_, *cas_, clock_, DefaultPlans(), [&] { view.Notify(); });
  ASSERT_OK(view.Start());
  const std::uint64_t reloads = view.reloads();
  auto user = registry.users().CreateUser({.email = "a@example.com", .name = "Ann"}, kActor);
  ASSERT_OK(user);
  ASSERT_OK(registry.devices().CreateDevice({.id = "d1"}, kActor));
  ASSERT_OK(registry.devices().BindDevice("d1", user->id, kActor));
  ASSERT_TRUE(WaitFor(
      [&] {
        const DeviceRecord* d = view.snapshot()->FindDevice("d1");
        return d != nullptr && d->owner_id == user->id;
      },
      2000ms));
  EXPECT_GT(view.reloads(), reloads);
  EXPECT_NE(view.snapshot()->FindUser(user->id), nullptr);
}

// Start fails when already started; Stop is idempotent; snapshots stay readable.
TEST_F(FleetViewTest, StartStop) {
  FleetView view(*store_);
  EXPECT_NE(view.snapshot(), nullptr);
  ASSERT_OK(view.Start());
  EXPECT_EQ(view.Start().code(), absl::StatusCode::kFailedPrecondition);
  view.Stop();
  view.Stop();
  EXPECT_NE(view.snapshot(), nullptr);
}

// While the store is down (a PostgreSQL outage), failed reloads back off instead of
// retrying at every poll, and the view catches up once the store is back.
TEST(PostgresFleetViewTest, FailedReloadsBackOffWhileTheStoreIsDown) {
  iothub::testing::PostgresServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.CreateDatabase();
  auto opened = store::PostgresStore::Open(url);
  ASSERT_TRUE(opened.ok()) << opened.status();
  FleetView view(**opened, 20ms);
  ASSERT_OK(view.Start());

  ASSERT_TRUE(server.Stop());
  view.Notify();  // this reload and its retries fail
  std::this_thread::sleep_for(1500ms);
  // At every 20 ms poll that would be about 75 attempts; doubling from 20 ms, about 6.
  EXPECT_GE(view.reload_failures(), 1u);
  EXPECT_LE(view.reload_failures(), 10u);

  ASSERT_TRUE(server.Start()) << server.error();
  auto other = store::PostgresStore::Open(url);
  ASSERT_TRUE(other.ok()) << other.status();
  Device device;
  device.id = "dev-after-outage";
  device.model = "m";
  device.public_key = "k";
  device.created_at = 1;
  ASSERT_OK((*other)->CreateDevice(device));
  EXPECT_TRUE(WaitFor([&] { return view.snapshot()->FindDevice("dev-after-outage") != nullptr; },
                      5s));  // recovered within 5 s of the server's return
}

}  // namespace
}  // namespace iothub::registry
