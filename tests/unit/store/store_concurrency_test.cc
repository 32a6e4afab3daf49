// Every Store backend under concurrent use: threads sharing one store, and two stores (two
// connections, as two processes would have) writing the same file.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using ConcurrencyTest = StoreContractTest;

constexpr int kThreads = 4;
constexpr int kPerThread = 200;

// Four threads writing through one store lose no rows and see no errors.
TEST_P(ConcurrencyTest, ThreadsSharingOneStoreLoseNothing) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        absl::Status s = store_->RunInTransaction([&](Store& tx) -> absl::Status {
          if (absl::Status c = tx.CreateDevice(MakeDevice(id, i)); !c.ok()) return c;
          return tx.AppendAudit({.at = i, .actor = "t", .action = "device.create", .target = id});
        });
        if (!s.ok()) ++failures;
        if (!store_->GetDevice(id).ok()) ++failures;
        if (i % 50 == 0 && !store_->LoadFleet().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->CountDevices(std::nullopt).value(), kThreads * kPerThread);
  EXPECT_EQ(store_->ListAudit(1'000'000)->size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// Two stores on the same file, two threads each, wait for each other's write lock
// (busy timeout) instead of failing, and lose no rows.
TEST_P(ConcurrencyTest, TwoConnectionsOnOneFileLoseNothing) {
  ASSERT_OK_AND_ASSIGN(auto second, OpenAnother());
  Store* stores[] = {store_.get(), second.get()};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& store = *stores[t % 2];
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (absl::Status s = store.CreateDevice(MakeDevice(id, i)); !s.ok()) {
          ADD_FAILURE() << s;
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->CountDevices(std::nullopt).value(), kThreads * kPerThread);
  EXPECT_EQ(second->CountDevices(std::nullopt).value(), kThreads * kPerThread);
}

// Two stores (two hubs) signing certificates for the same device at once keep the
// current-certificate rule: exactly one unrevoked certificate at the end.
TEST_P(ConcurrencyTest, CurrentCertificateRuleHoldsAcrossStores) {
  ASSERT_OK_AND_ASSIGN(auto second, OpenAnother());
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1")));
  constexpr int kPerStore = 25;
  std::vector<std::thread> threads;
  int store_index = 0;
  for (Store* store : {store_.get(), second.get()}) {
    threads.emplace_back([store, s = store_index++] {
      for (int i = 0; i < kPerStore; ++i) {
        const std::uint8_t tag = static_cast<std::uint8_t>(s * kPerStore + i);
        const std::string id = "c-" + std::to_string(tag);
        EXPECT_OK(store->InsertCertificate(
            MakeCertificate(id, "dev-1", MakeFingerprint(0xAB, tag), "serial-" + id, 2000 + i)));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListCertificatesOfDevice("dev-1"));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(2 * kPerStore));
  int current = 0;
  for (const Certificate& c : all) current += c.revoked_at ? 0 : 1;
  EXPECT_EQ(current, 1);
  ASSERT_OK_AND_ASSIGN(auto fleet, store_->LoadFleet());
  ASSERT_OK_AND_ASSIGN(Certificate newest, store_->GetCurrentCertificate("dev-1"));
  EXPECT_EQ(FormatFingerprint(fleet->FindDevice("dev-1")->current_fingerprint), newest.fingerprint);
}

INSTANTIATE_STORE_CONTRACT(ConcurrencyTest);

}  // namespace
}  // namespace iothub::store
