// What only the PostgreSQL backend has: bounded calls and reconnection when the server
// goes away, migrations racing from several hubs, writers of several hubs taking turns,
// NUL bytes refused, last-seen updates that stay quiet. Suites are named Postgres* so
// that ctest runs them with the other PostgreSQL tests in one process (one server).
#include "store/postgres_store.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/postgres_connection.h"
#include "store/postgres_locks.h"
#include "store/schema.h"
#include "store_fixture.h"

namespace iothub::store {
namespace {

using Clock = std::chrono::steady_clock;
using iothub::testing::PostgresServer;
using iothub::testing::SharedPostgresServer;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SharedPostgresServer().ok()) << SharedPostgresServer().error();
    url_ = SharedPostgresServer().CreateDatabase();
    ASSERT_FALSE(url_.empty()) << SharedPostgresServer().error();
  }
  std::string url_;
};

// Text holding a NUL byte, or bytes that are not UTF-8, cannot be stored in PostgreSQL:
// InvalidArgument, nothing written, and the transaction around it stays usable.
TEST_F(PostgresStoreTest, NulBytesAreInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(url_));
  Device d = MakeDevice("dev-1");
  d.model = std::string("nul\0inside", 10);
  EXPECT_CODE(store->CreateDevice(d), kInvalidArgument);
  EXPECT_CODE(store->GetDevice("dev-1"), kNotFound);
  EXPECT_CODE(store->GetDevice(std::string("dev\0x", 5)), kInvalidArgument);
  d.model = "latin-1 \xe9t\xe9";
  EXPECT_CODE(store->CreateDevice(d), kInvalidArgument);
  EXPECT_CODE(store->GetDevice("dev-1"), kNotFound);
  ASSERT_OK(store->RunInTransaction([&](Store& tx) -> absl::Status {
    EXPECT_CODE(tx.CreateDevice(d), kInvalidArgument);  // refused by the server
    return tx.CreateDevice(MakeDevice("dev-2"));
  }));
  EXPECT_OK(store->GetDevice("dev-2"));
}

// Hubs starting together migrate one after the other: all open, version 1 is recorded
// once, and a database from a newer build is refused.
TEST_F(PostgresStoreTest, ConcurrentMigrationsAndNewerSchema) {
  constexpr int kHubs = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kHubs; ++i) {
    threads.emplace_back([&] {
      auto opened = PostgresStore::Open(url_);
      if (!opened.ok()) {
        ADD_FAILURE() << opened.status();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  PgConnection conn(url_);
  ASSERT_OK_AND_ASSIGN(PgResult rows, conn.Exec("SELECT version FROM schema_version"));
  EXPECT_EQ(rows.rows(), static_cast<int>(StoreMigrations(Dialect::kPostgres).size()));

  ASSERT_OK(conn.ExecScript(
      "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 0)"));
  EXPECT_CODE(PostgresStore::Open(url_), kFailedPrecondition);
}

// Read-modify-write transactions on two stores (two hubs) never lose an update: write
// transactions take turns on the advisory lock, as SQLite's writers do.
TEST_F(PostgresStoreTest, TransitionsOnTwoStoresTakeTurns) {
  ASSERT_OK_AND_ASSIGN(auto a, PostgresStore::Open(url_));
  ASSERT_OK_AND_ASSIGN(auto b, PostgresStore::Open(url_));
  ASSERT_OK(a->CreateUser(MakeUser("u1", "u1@x.com")));
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (Store* store : {static_cast<Store*>(a.get()), static_cast<Store*>(b.get())}) {
    threads.emplace_back([store] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_OK(store->RunInTransaction([](Store& tx) -> absl::Status {
          absl::StatusOr<User> user = tx.GetUser("u1");
          if (!user.ok()) return user.status();
          ++user->balance_cents;
          return tx.UpdateUser(*user);
        }));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(a->GetUser("u1")->balance_cents, 2 * kPerThread);
}

// Last-seen batches (the hooks' most frequent write) do not wake other hubs' snapshot
// reloads; a status change does.
TEST_F(PostgresStoreTest, LastSeenDoesNotNotify) {
  ASSERT_OK_AND_ASSIGN(auto hub, PostgresStore::Open(url_));
  ASSERT_OK_AND_ASSIGN(auto other, PostgresStore::Open(url_));
  ASSERT_OK(other->CreateDevice(MakeDevice("dev-1")));
  ASSERT_OK_AND_ASSIGN(std::int64_t before, hub->DataVersion());
  const LastSeen seen[] = {{"dev-1", 5000}, {"dev-1", 7000}, {"nope", 1}};
  ASSERT_OK(other->TouchLastSeen(seen));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(hub->DataVersion().value(), before);
  EXPECT_EQ(hub->GetDevice("dev-1")->last_seen_at, std::optional<UnixMillis>(7000));

  Device d = *hub->GetDevice("dev-1");
  d.status = DeviceStatus::kRevoked;
  const auto committed = Clock::now();
  ASSERT_OK(other->UpdateDevice(d));
  while (hub->DataVersion().value() == before &&
         Clock::now() - committed < std::chrono::seconds(1)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_NE(hub->DataVersion().value(), before);
}

// A call the server does not answer in time fails with Unavailable at the client-side
// deadline, and the next call reconnects.
TEST_F(PostgresStoreTest, CallsAreBoundedInTime) {
  PgConnection conn(url_);
  const auto start = Clock::now();
  EXPECT_CODE(conn.Exec("SELECT pg_sleep(5)", {}, std::chrono::milliseconds(300)), kUnavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(conn.connected());
  EXPECT_OK(conn.Exec("SELECT 1"));
  // The server's own statement_timeout also answers Unavailable.
  EXPECT_CODE(conn.ExecScript("SET statement_timeout = 100; SELECT pg_sleep(2)"), kUnavailable);
}

// A write that waits too long for another hub's write lock fails with Unavailable after
// lock_timeout, and leaves the store's writer clean: the next write succeeds.
TEST_F(PostgresStoreTest, LockWaitIsBoundedAndRecovers) {
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(url_));
  PgConnection other_hub(url_);
  ASSERT_OK(other_hub.ExecScript(absl::StrCat("BEGIN; SELECT pg_advisory_xact_lock(",
                                              kPgLockNamespace, ", ", kPgWriteLock, ")")));
  const auto start = Clock::now();
  EXPECT_CODE(store->CreateDevice(MakeDevice("dev-1")), kUnavailable);
  EXPECT_LT(Clock::now() - start, kPgLockTimeout + std::chrono::seconds(2));
  ASSERT_OK(other_hub.ExecScript("ROLLBACK"));
  EXPECT_OK(store->CreateDevice(MakeDevice("dev-1")));
  EXPECT_OK(store->GetDevice("dev-1"));
}

// A server that accepts TCP but never speaks (a hung host): opening gives Unavailable
// after connect_timeout instead of hanging.
TEST_F(PostgresStoreTest, SilentServerIsUnavailableQuickly) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 8), 0);  // the kernel completes handshakes; nobody answers
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  const std::string url =
      "postgresql://postgres@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x";
  const auto start = Clock::now();
  EXPECT_CODE(PostgresStore::Open(url), kUnavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(kPgConnectTimeoutSeconds + 2));
  close(fd);
}

// Milliseconds per call, the median of `runs` runs of `call`.
template <typename Call>
double MedianMs(int runs, Call call) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    call(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Measurement (printed, not asserted): the calls the hub makes at runtime against a
// local server: LoadFleet of 10 000 devices with certificates, a bind transition (the
// registry's GetDevice, GetUser, CountDevices, AppendAudit, UpdateDevice in one
// transaction) and an audit append.
TEST_F(PostgresStoreTest, RuntimeLatency) {
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(url_));
  ASSERT_OK(store->CreateUser(MakeUser("owner", "o@x.com", "sub")));
  ASSERT_OK(store->RunInTransaction([&](Store& tx) -> absl::Status {
    for (int i = 0; i < 10'000; ++i) {
      const std::string id = "dev-" + std::to_string(i);
      if (absl::Status s = tx.CreateDevice(MakeDevice(id, i)); !s.ok()) return s;
      Fingerprint fp{};
      for (int b = 0; b < 4; ++b) fp[b] = static_cast<std::uint8_t>(i >> (8 * b));
      absl::Status s =
          tx.InsertCertificate(MakeCertificate("c-" + id, id, fp, std::to_string(i), i));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }));
  const double load = MedianMs(5, [&](int) { ASSERT_OK(store->LoadFleet()); });
  const double bind = MedianMs(200, [&](int i) {
    ASSERT_OK(store->RunInTransaction([&](Store& tx) -> absl::Status {
      absl::StatusOr<Device> device = tx.GetDevice("dev-" + std::to_string(i));
      if (!device.ok()) return device.status();
      if (absl::Status s = tx.GetUser("owner").status(); !s.ok()) return s;
      if (absl::Status s = tx.CountDevicesOwnedBy("owner").status(); !s.ok()) return s;
      if (absl::Status s = tx.AppendAudit(
              {.at = i, .actor = "a", .action = "device.bind", .target = device->id});
          !s.ok()) {
        return s;
      }
      device->owner_id = "owner";
      device->status = DeviceStatus::kBound;
      return tx.UpdateDevice(*device);
    }));
  });
  const double audit = MedianMs(500, [&](int i) {
    ASSERT_OK(store->AppendAudit({.at = i, .actor = "a", .action = "x", .target = "t"}));
  });
  std::printf(
      "[ info     ] PostgresStore, local server, median per call: LoadFleet(10k devices) "
      "%.1f ms, bind %.2f ms, AppendAudit %.2f ms\n",
      load, bind, audit);
}

// A server that goes away gives Unavailable quickly (writes, reads, snapshots); when it
// returns, every connection of the store reconnects by itself, and the change listener
// reports that changes may have been missed.
TEST(PostgresServerLossTest, UnavailableWhileDownThenReconnects) {
  PostgresServer server;  // its own: this test stops it
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.CreateDatabase();
  ASSERT_OK_AND_ASSIGN(auto store, PostgresStore::Open(url));
  ASSERT_OK(store->CreateDevice(MakeDevice("dev-1")));
  ASSERT_OK(store->GetDevice("dev-1"));
  ASSERT_OK_AND_ASSIGN(std::int64_t version, store->DataVersion());

  ASSERT_TRUE(server.Stop());
  const auto start = Clock::now();
  EXPECT_CODE(store->CreateDevice(MakeDevice("dev-2")), kUnavailable);
  EXPECT_CODE(store->GetDevice("dev-1"), kUnavailable);
  EXPECT_CODE(store->LoadFleet(), kUnavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));

  ASSERT_TRUE(server.Start()) << server.error();
  EXPECT_OK(store->CreateDevice(MakeDevice("dev-2")));
  EXPECT_OK(store->GetDevice("dev-1"));
  ASSERT_OK_AND_ASSIGN(auto fleet, store->LoadFleet());
  EXPECT_EQ(fleet->device_count(), 2u);
  const auto deadline = Clock::now() + PgChangeListener::kReconnectDelay + std::chrono::seconds(2);
  while (store->DataVersion().value() == version && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(store->DataVersion().value(), version);
}

}  // namespace
}  // namespace iothub::store
