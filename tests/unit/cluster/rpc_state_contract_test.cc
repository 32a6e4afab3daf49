// One contract for every rpc::RpcState: the in-process tables (LocalRpcState) and Redis
// (RedisRpcState on a real redis-server) must decide the same way, so that turning on
// [cluster] redis_url changes where the state lives, not what the pipeline answers.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "cluster/redis_client.h"
#include "cluster/redis_rpc_state.h"
#include "rpc/local_rpc_state.h"
#include "support/redis_server.h"

namespace iothub::cluster {
namespace {

using namespace std::chrono_literals;
using rpc::AdmitResult;
using rpc::IdUse;
using rpc::InsertResult;
using rpc::PendingRequest;
using rpc::StateNow;
using rpc::TakeStatus;
using testing::RedisServer;

enum class Backend { kLocal, kRedis };

// The suite's redis-server, started once for the binary.
RedisServer& SharedRedis() {
  static auto* server = new RedisServer();
  return *server;
}

rpc::PendingLimits Limits() {
  rpc::PendingLimits limits;
  limits.max_per_device = 2;
  limits.max_per_user = 3;
  return limits;
}

class RpcStateContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    now_ = {std::chrono::steady_clock::now(), 1'900'000'000'000};
    if (GetParam() == Backend::kLocal) {
      state_ = std::make_unique<rpc::LocalRpcState>(Limits(), rpc::RateLimiterOptions{});
      return;
    }
    ASSERT_TRUE(SharedRedis().ok()) << SharedRedis().error();
    ASSERT_TRUE(SharedRedis().Start()) << SharedRedis().error();
    client_ = MakeClient();
    ASSERT_TRUE(client_->Command({"FLUSHALL"}).ok());
    state_ = std::make_unique<RedisRpcState>(*client_, "hub-a", Limits());
  }

  std::unique_ptr<RedisClient> MakeClient() {
    auto options = ParseRedisUrl(SharedRedis().Url());
    EXPECT_TRUE(options.ok());
    return std::make_unique<RedisClient>(*options, metrics_);
  }

  PendingRequest Request(const std::string& device, const std::string& id,
                         const std::string& user = "u1", const std::string& client = "app-1",
                         std::chrono::milliseconds timeout = 5000ms) {
    return {device, id, user, client, rpc::Method::kReboot, now_.steady, now_.steady + timeout};
  }
  void Advance(std::chrono::milliseconds by) {
    now_.steady += by;
    now_.unix_ms += by.count();
  }

  // Takes u1's reply to (device, id), sent `ago` (a Request's method).
  void ExpectTaken(const std::string& device, const std::string& id,
                   std::chrono::milliseconds ago) {
    const auto taken = state_->Take(device, id, "u1", now_);
    ASSERT_TRUE(taken.ok()) << taken.status();
    EXPECT_EQ(taken->status, TakeStatus::kTaken);
    EXPECT_EQ(taken->method, rpc::Method::kReboot);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(now_.steady - taken->sent_at),
              ago);
  }
  // A second state on the same store (or a fresh local one) with other bounds.
  std::unique_ptr<rpc::RpcState> StateWith(rpc::PendingLimits limits) {
    if (GetParam() == Backend::kLocal) {
      return std::make_unique<rpc::LocalRpcState>(limits, rpc::RateLimiterOptions{});
    }
    return std::make_unique<RedisRpcState>(*client_, "hub-a", limits);
  }
  // At the start of a minute: the fixed window and the token bucket then agree.
  void StartOfMinute() { now_.unix_ms = (now_.unix_ms / 60'000) * 60'000; }
  rpc::AdmitResult Admit(const PendingRequest& request, std::uint32_t per_minute = 10,
                         bool online_here = true) {
    const auto result = state_->Admit(request, online_here, per_minute, now_);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : rpc::AdmitResult::kInvalid;
  }

  Metrics metrics_;
  StateNow now_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<rpc::RpcState> state_;
};

// An inserted request's id belongs to its requester; a second insert is a duplicate.
TEST_P(RpcStateContractTest, InsertedIdBelongsToItsRequester) {
  EXPECT_EQ(*state_->Lookup("d1", "r1", "app-1"), IdUse::kFree);
  ASSERT_EQ(*state_->Insert(Request("d1", "r1"), now_), InsertResult::kOk);
  EXPECT_EQ(*state_->Lookup("d1", "r1", "app-1"), IdUse::kSameRequester);
  EXPECT_EQ(*state_->Lookup("d1", "r1", "app-2"), IdUse::kOtherRequester);
  EXPECT_EQ(*state_->Lookup("d2", "r1", "app-1"), IdUse::kFree);
  EXPECT_EQ(*state_->Insert(Request("d1", "r1", "u1", "app-2"), now_), InsertResult::kDuplicate);
}

// A reply is taken once, only on its user's topic and in time; tombstones tell a
// second reply and an unknown one apart.
TEST_P(RpcStateContractTest, ReplyIsTakenOnceOnItsUsersTopicInTime) {
  ASSERT_EQ(*state_->Insert(Request("d1", "r1"), now_), InsertResult::kOk);
  ASSERT_EQ(*state_->Insert(Request("d1", "r2", "u1", "app-1", 1000ms), now_), InsertResult::kOk);
  EXPECT_EQ(state_->Take("d1", "r1", "u2", now_)->status, TakeStatus::kUserMismatch);
  Advance(200ms);
  ExpectTaken("d1", "r1", 200ms);
  EXPECT_EQ(state_->Take("d1", "r1", "u1", now_)->status, TakeStatus::kAlreadyAnswered);
  EXPECT_EQ(state_->Take("d1", "nope", "u1", now_)->status, TakeStatus::kUnknown);
  Advance(1000ms);
  EXPECT_EQ(state_->Take("d1", "r2", "u1", now_)->status, TakeStatus::kExpired);
  // The answered id still belongs to its requester.
  EXPECT_EQ(*state_->Lookup("d1", "r1", "app-2"), IdUse::kOtherRequester);
}

// Expired requests are claimed once, with what their timeout reply needs; a reply after
// that is late.
TEST_P(RpcStateContractTest, ExpiredRequestsAreClaimedOnce) {
  ASSERT_EQ(*state_->Insert(Request("d1", "r1", "u1", "app-1", 1000ms), now_), InsertResult::kOk);
  ASSERT_EQ(*state_->Insert(Request("d2", "r9", "u1", "app-1", 3000ms), now_), InsertResult::kOk);
  EXPECT_TRUE(state_->ClaimExpired(now_)->empty());
  Advance(1000ms);
  const auto claimed = state_->ClaimExpired(now_);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].device_id, "d1");
  EXPECT_EQ((*claimed)[0].request_id, "r1");
  EXPECT_EQ((*claimed)[0].user_id, "u1");
  EXPECT_EQ((*claimed)[0].requester_clientid, "app-1");
  EXPECT_EQ((*claimed)[0].method, rpc::Method::kReboot);
  EXPECT_TRUE(state_->ClaimExpired(now_)->empty());
  EXPECT_EQ(state_->Take("d1", "r1", "u1", now_)->status, TakeStatus::kExpired);
  EXPECT_EQ(state_->pending(), 1u);
}

// The pending bounds hold, and a taken or claimed request frees its place.
TEST_P(RpcStateContractTest, PendingBoundsHoldAndAreFreed) {
  ASSERT_EQ(*state_->Insert(Request("d1", "a"), now_), InsertResult::kOk);
  ASSERT_EQ(*state_->Insert(Request("d1", "b"), now_), InsertResult::kOk);
  EXPECT_EQ(*state_->Insert(Request("d1", "c"), now_), InsertResult::kDeviceFull);
  ASSERT_EQ(*state_->Insert(Request("d2", "a"), now_), InsertResult::kOk);
  EXPECT_EQ(*state_->Insert(Request("d3", "a"), now_), InsertResult::kUserFull);
  EXPECT_EQ(*state_->Insert(Request("d3", "a", "u2"), now_), InsertResult::kOk);
  ASSERT_EQ(state_->Take("d1", "a", "u1", now_)->status, TakeStatus::kTaken);
  EXPECT_EQ(*state_->Insert(Request("d1", "c"), now_), InsertResult::kOk);
  // Bad inputs: ids over 64 characters, a user id over 255.
  EXPECT_EQ(*state_->Insert(Request(std::string(65, 'd'), "x"), now_), InsertResult::kInvalid);
  EXPECT_EQ(*state_->Insert(Request("d4", std::string(65, 'r')), now_), InsertResult::kInvalid);
  EXPECT_EQ(*state_->Insert(Request("d4", "x", std::string(256, 'u')), now_),
            InsertResult::kInvalid);
  EXPECT_EQ(state_->Take(std::string(65, 'd'), "x", "u1", now_)->status, TakeStatus::kUnknown);
}

// A user's plan limit admits that many requests in a minute, then refuses; users are
// counted apart; a limit of 0 refuses all.
TEST_P(RpcStateContractTest, RateLimitAdmitsThePlansRequestsPerMinute) {
  StartOfMinute();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(*state_->TryAcquire("u1", 3, now_)) << i;
  EXPECT_FALSE(*state_->TryAcquire("u1", 3, now_));
  EXPECT_TRUE(*state_->TryAcquire("u2", 3, now_));
  EXPECT_FALSE(*state_->TryAcquire("u3", 0, now_));
  Advance(60'000ms);
  EXPECT_TRUE(*state_->TryAcquire("u1", 3, now_));
}

// Admit inserts a request whose id is free, as Insert does: its requester owns the id,
// its reply is taken with its method and send time, its deadline is claimed.
TEST_P(RpcStateContractTest, AdmittedRequestIsPendingLikeAnInsertedOne) {
  EXPECT_EQ(Admit(Request("d1", "r1")), AdmitResult::kAccepted);
  EXPECT_EQ(*state_->Lookup("d1", "r1", "app-1"), IdUse::kSameRequester);
  EXPECT_EQ(*state_->Insert(Request("d1", "r1"), now_), InsertResult::kDuplicate);
  Advance(200ms);
  ExpectTaken("d1", "r1", 200ms);
  EXPECT_EQ(Admit(Request("d1", "r2", "u1", "app-1", 1000ms)), AdmitResult::kAccepted);
  Advance(1000ms);
  const auto claimed = state_->ClaimExpired(now_);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].request_id, "r2");
  EXPECT_EQ((*claimed)[0].requester_clientid, "app-1");
}

// Every outcome, each the first refusal in the order id owner, presence, rate limit,
// pending bounds; the pending bounds themselves in Insert's order.
TEST_P(RpcStateContractTest, AdmitRefusesInTheOrderOfItsChecks) {
  StartOfMinute();
  ASSERT_EQ(Admit(Request("d1", "r1")), AdmitResult::kAccepted);
  // An id in use wins over offline, rate limited and full, answered or not.
  EXPECT_EQ(Admit(Request("d1", "r1"), 0, false), AdmitResult::kDuplicate);
  EXPECT_EQ(Admit(Request("d1", "r1", "u1", "app-2"), 0, false), AdmitResult::kIdInUse);
  ASSERT_EQ(state_->Take("d1", "r1", "u1", now_)->status, TakeStatus::kTaken);
  EXPECT_EQ(Admit(Request("d1", "r1")), AdmitResult::kDuplicate);
  EXPECT_EQ(Admit(Request("d1", "r1", "u1", "app-2")), AdmitResult::kIdInUse);
  // Offline (no other hub has it) wins over the rate limit.
  EXPECT_EQ(Admit(Request("d1", "r2"), 0, false), AdmitResult::kOffline);
  EXPECT_EQ(Admit(Request("d1", "r2"), 0), AdmitResult::kRateLimited);
  // Bounds: device before user; nothing of a refused request stays.
  ASSERT_EQ(Admit(Request("d1", "a")), AdmitResult::kAccepted);
  ASSERT_EQ(Admit(Request("d1", "b")), AdmitResult::kAccepted);
  EXPECT_EQ(Admit(Request("d1", "c")), AdmitResult::kDeviceFull);
  EXPECT_EQ(*state_->Lookup("d1", "c", "app-1"), IdUse::kFree);
  ASSERT_EQ(Admit(Request("d2", "a")), AdmitResult::kAccepted);
  EXPECT_EQ(Admit(Request("d3", "a")), AdmitResult::kUserFull);
  EXPECT_EQ(Admit(Request("d3", "a", "u2")), AdmitResult::kAccepted);
  // Ids the state cannot hold.
  EXPECT_EQ(Admit(Request(std::string(65, 'd'), "x")), AdmitResult::kInvalid);
  EXPECT_EQ(Admit(Request("d4", std::string(65, 'r'))), AdmitResult::kInvalid);
  EXPECT_EQ(Admit(Request("d4", "x", std::string(256, 'u'))), AdmitResult::kInvalid);
  // The table's bound, checked before the user's (u1 is full too).
  rpc::PendingLimits none = Limits();
  none.max_total = 0;
  auto full = StateWith(none);
  EXPECT_EQ(*full->Admit(Request("d5", "a"), true, 10, now_), AdmitResult::kTableFull);
  EXPECT_EQ(*full->Admit(Request("d5", "a", "u3"), true, 10, now_), AdmitResult::kTableFull);
}

// A rate-limit token is spent only by a request that reaches the pending table: not by
// a repeated or reused id, nor by an offline device; a request refused as full has
// spent its token (the insert comes last).
TEST_P(RpcStateContractTest, AdmitSpendsATokenOnlyFromTheInsertOn) {
  StartOfMinute();
  ASSERT_EQ(Admit(Request("d1", "a"), 3), AdmitResult::kAccepted);  // token 1
  EXPECT_EQ(Admit(Request("d1", "a"), 3), AdmitResult::kDuplicate);
  EXPECT_EQ(Admit(Request("d1", "a", "u1", "app-2"), 3), AdmitResult::kIdInUse);
  EXPECT_EQ(Admit(Request("d9", "x"), 3, false), AdmitResult::kOffline);
  ASSERT_EQ(Admit(Request("d1", "b"), 3), AdmitResult::kAccepted);    // token 2
  EXPECT_EQ(Admit(Request("d1", "c"), 3), AdmitResult::kDeviceFull);  // token 3
  EXPECT_EQ(Admit(Request("d2", "a"), 3), AdmitResult::kRateLimited);
  EXPECT_EQ(*state_->Lookup("d2", "a", "app-1"), IdUse::kFree);           // not inserted
  EXPECT_EQ(Admit(Request("d2", "a", "u2"), 3), AdmitResult::kAccepted);  // users apart
}

// Hubs sweeping at once (threads here; separate connections for Redis) claim every
// expired request exactly once between them.
TEST_P(RpcStateContractTest, ConcurrentSweepsClaimEachRequestOnce) {
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(*state_->Insert(
                  Request("d" + std::to_string(i), "r", "u" + std::to_string(i), "c", 100ms), now_),
              InsertResult::kOk);
  }
  Advance(100ms);
  std::vector<std::unique_ptr<RedisClient>> clients;
  std::vector<std::unique_ptr<rpc::RpcState>> hubs;
  for (int i = 0; i < 4 && GetParam() == Backend::kRedis; ++i) {
    clients.push_back(MakeClient());
    hubs.push_back(
        std::make_unique<RedisRpcState>(*clients.back(), "hub-" + std::to_string(i), Limits()));
  }
  std::atomic<int> claimed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    rpc::RpcState& state = hubs.empty() ? *state_ : *hubs[i];
    threads.emplace_back([&state, &claimed, now = now_] {
      for (int round = 0; round < 5; ++round) {
        auto got = state.ClaimExpired(now);
        if (got.ok()) claimed += static_cast<int>(got->size());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(claimed.load(), kRequests);
}

INSTANTIATE_TEST_SUITE_P(Backends, RpcStateContractTest,
                         ::testing::Values(Backend::kLocal, Backend::kRedis), [](const auto& info) {
                           return info.param == Backend::kLocal ? "Local" : "Redis";
                         });

}  // namespace
}  // namespace iothub::cluster
