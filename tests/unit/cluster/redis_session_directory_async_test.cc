// RedisSessionDirectory's calls that answer later (the hook threads'), against a real
// redis-server, two directories standing for two hubs: the same outcomes as the
// waiting calls, a cache hit answered before the call returns, one thread's calls
// reaching Redis in order, connects and disconnects deferred while Redis is down and
// replayed after, and every `done` run exactly once, from many threads and when the
// directory goes away with calls out.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "cluster/redis_session_directory.h"
#include "unit/cluster/redis_session_hub.h"

namespace iothub::cluster {
namespace {

using namespace std::chrono_literals;
using namespace sessions_test;

// One answer handed over by a `done`, waited for with a bounded time (an unanswered
// call fails the test instead of hanging it). The answer lands in shared state, so a
// late one touches nothing gone; `runs` counts how often `done` ran.
template <typename T>
class Answer {
 public:
  absl::AnyInvocable<void(T)> Done() {
    return [state = state_](T value) {
      std::lock_guard lock(state->mutex);
      ++state->runs;
      state->value.emplace(std::move(value));
      state->ready.notify_all();
    };
  }
  // Whether `done` ran already (e.g. before the call returned).
  bool ready() const {
    std::lock_guard lock(state_->mutex);
    return state_->value.has_value();
  }
  std::optional<T> Wait(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(state_->mutex);
    state_->ready.wait_for(lock, timeout, [&] { return state_->value.has_value(); });
    return state_->value;
  }
  int runs() const {
    std::lock_guard lock(state_->mutex);
    return state_->runs;
  }

 private:
  struct State {
    mutable std::mutex mutex;
    std::condition_variable ready;
    std::optional<T> value;
    int runs = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

using AdmitAnswer = Answer<absl::StatusOr<SessionDirectory::AdmitOutcome>>;
using FindAnswer = Answer<absl::StatusOr<std::shared_ptr<const Principal>>>;
using ConnectedAnswer = Answer<absl::Status>;
using DisconnectedAnswer = Answer<absl::StatusOr<int>>;

// "kind:id", "none" or "error", as Hub::Find says.
std::string Describe(const absl::StatusOr<std::shared_ptr<const Principal>>& p) {
  if (!p.ok()) return "error";
  return *p == nullptr ? "none" : std::string(ToString((*p)->kind)) + ":" + (*p)->id;
}

// What `answer` got, waited for; DeadlineExceeded when it never came.
template <typename T>
T Waited(Answer<T>& answer) {
  std::optional<T> value = answer.Wait();
  if (!value) return absl::DeadlineExceededError("never answered");
  return *std::move(value);
}

// The async calls of one hub, each waited for.
absl::StatusOr<Outcome> Admit(Hub& hub, const std::string& clientid,
                              std::shared_ptr<const Principal> principal, UnixMillis now) {
  AdmitAnswer answer;
  hub.sessions->AdmitAsync(clientid, std::move(principal), now, answer.Done());
  return Waited(answer);
}
std::string Find(Hub& hub, const std::string& clientid) {
  FindAnswer answer;
  hub.sessions->FindAsync(clientid, answer.Done());
  return Describe(Waited(answer));
}
absl::Status Connected(Hub& hub, const std::string& clientid, UnixMillis now) {
  ConnectedAnswer answer;
  hub.sessions->ConnectedAsync(clientid, now, answer.Done());
  return Waited(answer);
}
absl::StatusOr<int> Disconnected(Hub& hub, const std::string& clientid, UnixMillis now) {
  DisconnectedAnswer answer;
  hub.sessions->DisconnectedAsync(clientid, now, answer.Done());
  return Waited(answer);
}

class RedisSessionDirectoryAsyncTest : public RedisSessionDirectoryTest {};

// The story of AnyHubServesAnyEventOfAClient and ClientIdStaysWithItsPrincipalAcrossHubs
// through the async calls: admitted at A (then A's lookup is a hit answered before the
// call returns), read once by B and cached, held against another principal, connected
// at B and disconnected at A (B counted it), which ends the session for both.
TEST_F(RedisSessionDirectoryAsyncTest, SameOutcomesAsTheWaitingCalls) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  ASSERT_EQ(*Admit(a, "app", User("u1"), kT), Outcome::kAdmitted);
  FindAnswer hit;
  a.sessions->FindAsync("app", hit.Done());
  ASSERT_TRUE(hit.ready());  // answered on this thread, before FindAsync returned
  EXPECT_EQ(Describe(Waited(hit)), "user:u1");
  EXPECT_EQ(a.RedisLookups(), 0u);

  EXPECT_TRUE(Eventually([&] { return b.Invalidations() == 1; }));
  EXPECT_EQ(Find(b, "app"), "user:u1");  // a miss, answered by Redis
  EXPECT_EQ(b.RedisLookups(), 1u);
  FindAnswer cached;
  b.sessions->FindAsync("app", cached.Done());
  EXPECT_TRUE(cached.ready());
  EXPECT_EQ(b.RedisLookups(), 1u);
  EXPECT_EQ(*Admit(b, "app", User("bob"), kT + 1), Outcome::kHeldByAnother);

  ASSERT_TRUE(Connected(b, "app", kT + 2).ok());
  EXPECT_EQ(*Disconnected(a, "app", kT + 3), 0);  // B counted the connection
  EXPECT_EQ(Find(a, "app"), "none");
  EXPECT_TRUE(Eventually([&] { return b.Find("app") == "none"; }));  // B's copy dropped
  EXPECT_EQ(*Admit(b, "app", User("bob"), kT + 4), Outcome::kAdmitted);
  EXPECT_TRUE(Eventually([&] { return Find(a, "app") == "user:bob"; }));

  // A device connected and disconnected at the same hub: that hub counted it.
  ASSERT_EQ(*Admit(a, "d1", Device("d1"), kT), Outcome::kAdmitted);
  ASSERT_TRUE(Connected(a, "d1", kT + 1).ok());
  EXPECT_EQ(*Disconnected(a, "d1", kT + 2), 1);
  EXPECT_EQ(Find(a, "d1"), "none");
  EXPECT_EQ(Find(a, "nobody"), "none");
  ASSERT_TRUE(a.redis->Command({"HSET", "iothub:s:x", "p", "{not json"}).ok());
  EXPECT_EQ(Find(a, "x"), "error");
}

// Calls made one after another from one thread, none waited for, reach Redis in that
// order: the lookup sees the admission, the disconnect ends the connection.
TEST_F(RedisSessionDirectoryAsyncTest, CallsOfOneThreadReachRedisInOrder) {
  Hub a(server_, "hub-a");
  AdmitAnswer admitted;
  ConnectedAnswer connected;
  FindAnswer found;
  DisconnectedAnswer disconnected;
  FindAnswer gone;
  a.sessions->AdmitAsync("d1", Device("d1"), kT, admitted.Done());
  a.sessions->ConnectedAsync("d1", kT + 1, connected.Done());
  a.sessions->FindAsync("d1", found.Done());
  a.sessions->DisconnectedAsync("d1", kT + 2, disconnected.Done());
  ASSERT_TRUE(disconnected.Wait());
  a.sessions->FindAsync("d1", gone.Done());
  EXPECT_EQ(*Waited(admitted), Outcome::kAdmitted);
  EXPECT_TRUE(Waited(connected).ok());
  EXPECT_EQ(Describe(Waited(found)), "device:d1");
  EXPECT_EQ(*Waited(disconnected), 1);
  EXPECT_EQ(Describe(Waited(gone)), "none");
}

// Redis down: what A admitted still answers at once, a learned session and a login
// fail, connects and disconnects are deferred and answered OK / 0. Back (empty): an
// event behind deferred ones of its clientid is deferred at once too, and the replay
// records them in order, counting the replayed disconnect down in A's presence.
TEST_F(RedisSessionDirectoryAsyncTest, OutageDefersAndReplays) {
  Hub a(server_, "hub-a"), b(server_, "hub-b");
  ASSERT_EQ(*Admit(a, "dm", Device("dm"), kT), Outcome::kAdmitted);
  ASSERT_EQ(*Admit(b, "theirs", User("u2"), kT), Outcome::kAdmitted);
  EXPECT_EQ(Find(a, "theirs"), "user:u2");

  ASSERT_TRUE(server_.Stop());
  EXPECT_TRUE(Eventually([&] { return !a.sessions->following(); }));
  FindAnswer own;
  a.sessions->FindAsync("dm", own.Done());
  ASSERT_TRUE(own.ready());
  EXPECT_EQ(Describe(Waited(own)), "device:dm");
  EXPECT_EQ(Find(a, "theirs"), "error");
  const auto refused = Admit(a, "new", User("u3"), kT);
  EXPECT_FALSE(refused.ok());                                // the caller refuses the login
  EXPECT_FALSE(absl::IsDeadlineExceeded(refused.status()));  // answered
  EXPECT_TRUE(Connected(a, "dm", kT).ok());
  a.presence.OnConnected("dm", kT);          // as HubHandler does on OK
  EXPECT_EQ(*Disconnected(a, "dm", kT), 0);  // counted down when recorded
  EXPECT_EQ(a.Deferred(), 2);
  EXPECT_FALSE(a.sessions->ReplayUnrecorded().ok());

  ASSERT_TRUE(server_.Start()) << server_.error();
  EXPECT_TRUE(Eventually([&] { return a.sessions->following(); }, 5s));
  ASSERT_TRUE(a.Reconnected());
  EXPECT_TRUE(Eventually([&] { return Find(a, "dm") == "none"; }, 5s));
  // Two admissions on their way, then the deferred connect and disconnect, then a
  // newer connect, deferred behind them before any round trip.
  EXPECT_EQ(*Admit(a, "dm", Device("dm"), kT + 1), Outcome::kAdmitted);
  EXPECT_EQ(*Admit(a, "dm", Device("dm"), kT + 2), Outcome::kAdmitted);
  ConnectedAnswer behind;
  a.sessions->ConnectedAsync("dm", kT + 3, behind.Done());
  ASSERT_TRUE(behind.ready());
  EXPECT_TRUE(Waited(behind).ok());
  a.presence.OnConnected("dm", kT + 3);
  EXPECT_EQ(a.Deferred(), 3);
  ASSERT_TRUE(a.sessions->ReplayUnrecorded().ok());
  EXPECT_EQ(a.Deferred(), 0);
  // Connected, disconnected (A's: presence counted down once), connected: one live
  // connection, no admission left; its disconnect ends the session.
  EXPECT_TRUE(a.presence.IsOnline("dm"));
  // B's pipeline finds out on its first call that its connection went with the old
  // Redis (that call fails closed); the next one reads the session.
  EXPECT_TRUE(Eventually([&] { return Find(b, "dm") == "device:dm"; }));
  EXPECT_EQ(*Disconnected(a, "dm", kT + 4), 1);
  a.presence.OnDisconnected("dm", kT + 4);
  EXPECT_FALSE(a.presence.IsOnline("dm"));
  EXPECT_TRUE(Eventually([&] { return Find(b, "dm") == "none"; }));
}

// 8 threads issue every kind of call at once, with Redis up and then down: every done
// runs exactly once, and none runs twice later.
TEST_F(RedisSessionDirectoryAsyncTest, ManyThreadsEveryDoneRunsOnce) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 400;
  // Before the hub: its directory waits for every answer before they go.
  std::vector<std::atomic<int>> runs(2 * kThreads * kCalls);
  std::atomic<int> answered{0};
  Hub a(server_, "hub-a");
  for (const int phase : {0, 1}) {
    if (phase == 1) ASSERT_TRUE(server_.Stop());
    answered = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, phase, t] {
        for (int i = 0; i < kCalls; ++i) {
          const int id = (phase * kThreads + t) * kCalls + i;
          const std::string clientid = "c" + std::to_string(t) + "-" + std::to_string(i % 7);
          const auto count = [&runs, &answered, id](auto&&) {
            runs[id].fetch_add(1);
            answered.fetch_add(1);
          };
          switch (i % 4) {
            case 0:
              a.sessions->AdmitAsync(clientid, User(clientid), kT + i, count);
              break;
            case 1:
              a.sessions->ConnectedAsync(clientid, kT + i, count);
              break;
            case 2:
              a.sessions->FindAsync(clientid, count);
              break;
            default:
              a.sessions->DisconnectedAsync(clientid, kT + i, count);
              break;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_TRUE(Eventually([&] { return answered.load() == kThreads * kCalls; }, 20s))
        << answered.load();
    std::this_thread::sleep_for(200ms);  // a second answer would show by now
    EXPECT_EQ(answered.load(), kThreads * kCalls);
    for (int id = phase * kThreads * kCalls; id < (phase + 1) * kThreads * kCalls; ++id) {
      ASSERT_EQ(runs[id].load(), 1) << id;
    }
  }
}

// A directory destroyed with calls out waits for their answers: by the time its
// destructor returns, every done ran, once.
TEST_F(RedisSessionDirectoryAsyncTest, DestructorWaitsForEveryAnswer) {
  constexpr int kCalls = 500;
  std::atomic<int> answered{0};
  Hub a(server_, "hub-a");
  for (int i = 0; i < kCalls; ++i) {
    a.sessions->FindAsync("nobody-" + std::to_string(i),
                          [&answered](auto&&) { answered.fetch_add(1); });
  }
  a.sessions.reset();
  EXPECT_EQ(answered.load(), kCalls);
}

}  // namespace
}  // namespace iothub::cluster
