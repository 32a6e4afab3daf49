// RedisClient::EvalAsync (and CommandAsync) against a real redis-server: answers arrive exactly
// once, each with its own reply, from many threads at once and in shared writes; a Redis that
// forgot its scripts, an error reply, an outage and its end, a full queue and a client
// destroyed with commands in flight are all answered, none left hanging.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cluster/redis_client.h"
#include "support/redis_server.h"

namespace iothub::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::RedisServer;

// Counts KEYS[1] up and echoes ARGV[1] with the new count.
const RedisScript& CountScript() {
  static const auto* script = new RedisScript("return {ARGV[1], redis.call('INCR', KEYS[1])}");
  return *script;
}

const RedisScript& FailingScript() {
  static const auto* script = new RedisScript("return redis.error_reply('refused by script')");
  return *script;
}

// Waits for a number of answers, for a bounded time: a call never answered fails the
// test instead of hanging it. The answers land in shared state, so a late one after a
// failed wait touches nothing gone.
class Answers {
 public:
  RedisClient::EvalDone Expect() {
    {
      std::lock_guard lock(state_->mutex);
      ++state_->expected;
    }
    return [state = state_](absl::StatusOr<RedisReply> reply) {
      std::lock_guard lock(state->mutex);
      state->replies.push_back(std::move(reply));
      state->answered.notify_all();
    };
  }
  // True once every expected answer arrived (false after `timeout`).
  bool Wait(std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(state_->mutex);
    return state_->answered.wait_for(lock, timeout,
                                     [&] { return state_->replies.size() >= state_->expected; });
  }
  std::vector<absl::StatusOr<RedisReply>> Take() {
    std::lock_guard lock(state_->mutex);
    return std::move(state_->replies);
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable answered;
    std::size_t expected = 0;
    std::vector<absl::StatusOr<RedisReply>> replies;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

class RedisClientAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()) << server_.error(); }

  std::unique_ptr<RedisClient> MakeClient(std::chrono::milliseconds timeout = 100ms,
                                          std::size_t max_queued = 10'000) {
    auto options = ParseRedisUrl(server_.Url());
    EXPECT_TRUE(options.ok());
    options->timeout = timeout;
    options->max_queued = max_queued;
    return std::make_unique<RedisClient>(*options, metrics_);
  }

  // One EvalAsync of CountScript, waited for (an unanswered call is an error here).
  absl::StatusOr<RedisReply> Count(RedisClient& client, std::string_view key,
                                   std::string_view echo) {
    Answers answers;
    const std::string_view keys[] = {key};
    const std::string_view args[] = {echo};
    client.EvalAsync(CountScript(), keys, args, answers.Expect());
    if (!answers.Wait()) return absl::DeadlineExceededError("never answered");
    return std::move(answers.Take().front());
  }

  std::uint64_t CounterValue(std::string_view name) {
    return metrics_.GetCounter(name, "").value();
  }

  RedisServer server_;
  Metrics metrics_;
};

// 8 threads x 2000 calls at once: every done runs exactly once with its own echo, the
// count in Redis is the number of calls, and commands shared writes.
TEST_F(RedisClientAsyncTest, ManyThreadsGetTheirOwnRepliesInSharedWrites) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 2000;
  std::vector<std::atomic<int>> seen(kThreads * kCalls);
  std::atomic<int> wrong{0};
  std::atomic<int> answered{0};
  // After what its callbacks touch, so that it answers them first even when a check
  // fails. Room for every call: the threads ask faster than Redis answers.
  auto client = MakeClient(1000ms, kThreads * kCalls);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const int id = t * kCalls + i;
        const std::string echo = std::to_string(id);  // gone before the reply comes
        const std::string_view keys[] = {"calls"};
        const std::string_view args[] = {echo};
        client->EvalAsync(CountScript(), keys, args, [&, id](absl::StatusOr<RedisReply> r) {
          if (!r.ok() || r->elements.size() != 2 || r->elements[0].str != std::to_string(id)) {
            if (wrong.fetch_add(1) == 0) ADD_FAILURE() << id << ": " << r.status();
          }
          seen[id].fetch_add(1);
          answered.fetch_add(1);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto until = Clock::now() + 60s;
  while (answered.load() < kThreads * kCalls && Clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(answered.load(), kThreads * kCalls);
  EXPECT_EQ(wrong.load(), 0);
  for (int id = 0; id < kThreads * kCalls; ++id) ASSERT_EQ(seen[id].load(), 1) << id;
  auto total = client->Command({"GET", "calls"});
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(total->str, std::to_string(kThreads * kCalls));
  const std::uint64_t commands = CounterValue("iothub_redis_pipelined_total");
  const std::uint64_t writes = CounterValue("iothub_redis_pipeline_writes_total");
  EXPECT_GE(commands, std::uint64_t{kThreads * kCalls});
  EXPECT_LT(writes, commands);  // batched
  EXPECT_EQ(metrics_.GetGauge("iothub_redis_queued", "").value(), 0);
  EXPECT_TRUE(client->up());
}

// Keys and arguments are bytes: empty ones and embedded NULs come back as they went.
TEST_F(RedisClientAsyncTest, ArgumentsAreBinarySafe) {
  auto client = MakeClient();
  const std::string nul("a\0b", 3);
  auto reply = Count(*client, nul, nul);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->elements[0].str, nul);
  reply = Count(*client, "", "");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->elements[0].str, "");
  EXPECT_EQ(client->Command({"GET", nul})->str, "1");
}

// Redis forgot the script (SCRIPT FLUSH): the pipeline loads it and runs the call.
TEST_F(RedisClientAsyncTest, LoadsAScriptRedisForgot) {
  auto client = MakeClient();
  ASSERT_TRUE(Count(*client, "k", "first").ok());
  ASSERT_TRUE(client->Command({"SCRIPT", "FLUSH"}).ok());
  auto reply = Count(*client, "k", "second");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->elements[0].str, "second");
  EXPECT_EQ(reply->elements[1].integer, 2);
}

// Plain commands (CommandAsync) share the pipeline with scripts: run and answered in the
// order sent, even behind a script's first use (loaded first, not retried after), a
// nil as nil, an error reply as Internal.
TEST_F(RedisClientAsyncTest, CommandsAnswerInOrderWithScripts) {
  auto client = MakeClient();
  Answers answers;
  {
    const std::string key = "n";  // gone before the replies come
    const std::string_view set[] = {"SET", key, "5"};
    const std::string_view keys[] = {key};
    const std::string_view args[] = {"echo"};
    const std::string_view get[] = {"GET", key};
    const std::string_view missing[] = {"HGET", "nothing", "p"};
    const std::string_view wrong_type[] = {"HGET", key, "p"};
    client->CommandAsync(set, answers.Expect());
    client->EvalAsync(CountScript(), keys, args, answers.Expect());
    client->CommandAsync(get, answers.Expect());
    client->CommandAsync(missing, answers.Expect());
    client->CommandAsync(wrong_type, answers.Expect());
  }
  ASSERT_TRUE(answers.Wait());
  auto replies = answers.Take();
  ASSERT_EQ(replies.size(), 5u);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(replies[i].ok()) << i << ": " << replies[i].status();
  EXPECT_EQ(replies[0]->str, "OK");
  EXPECT_EQ(replies[1]->elements[1].integer, 6);
  EXPECT_EQ(replies[2]->str, "6");
  EXPECT_EQ(replies[3]->type, RedisReply::Type::kNil);
  EXPECT_TRUE(absl::IsInternal(replies[4].status())) << replies[4].status();
  EXPECT_NE(replies[4].status().message().find("WRONGTYPE"), std::string_view::npos);
  EXPECT_TRUE(client->up());
}

// An error reply is Internal with Redis's text, and the client stays up and usable.
TEST_F(RedisClientAsyncTest, ErrorReplyIsInternalAndTheClientStaysUp) {
  auto client = MakeClient();
  Answers answers;
  client->EvalAsync(FailingScript(), {}, {}, answers.Expect());
  ASSERT_TRUE(answers.Wait());
  auto replies = answers.Take();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(absl::IsInternal(replies[0].status())) << replies[0].status();
  EXPECT_NE(replies[0].status().message().find("refused by script"), std::string_view::npos);
  EXPECT_TRUE(client->up());
  EXPECT_TRUE(Count(*client, "k", "after").ok());
}

// Redis stopped: calls are answered Unavailable (not hung) and up() is false; Redis
// back on the same port: calls succeed again by themselves.
TEST_F(RedisClientAsyncTest, AnswersWhileRedisIsDownAndRecovers) {
  auto client = MakeClient(100ms);
  ASSERT_TRUE(Count(*client, "k", "before").ok());
  ASSERT_TRUE(server_.Stop());
  for (int i = 0; i < 20; ++i) {
    const auto asked = Clock::now();
    auto reply = Count(*client, "k", "down");
    EXPECT_TRUE(absl::IsUnavailable(reply.status())) << reply.status();
    EXPECT_LT(Clock::now() - asked, 5s);  // answered, not hung
  }
  EXPECT_FALSE(client->up());
  EXPECT_NE(client->last_error(), "");

  ASSERT_TRUE(server_.Start()) << server_.error();
  const auto until = Clock::now() + 5s;
  absl::StatusOr<RedisReply> reply = absl::UnknownError("not tried");
  while (!reply.ok() && Clock::now() < until) {
    reply = Count(*client, "k", "back");  // also loads the script the new Redis lacks
    if (!reply.ok()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->elements[0].str, "back");
  EXPECT_TRUE(client->up());
}

// Redis hangs (CLIENT PAUSE beyond the timeout): calls are answered Unavailable, not
// left waiting with it, and succeed again once it resumes.
TEST_F(RedisClientAsyncTest, AnswersWhileRedisHangsAndRecovers) {
  auto client = MakeClient(100ms);
  auto admin = MakeClient();
  ASSERT_TRUE(Count(*client, "k", "before").ok());
  ASSERT_TRUE(admin->Command({"CLIENT", "PAUSE", "1500", "ALL"}).ok());
  const auto asked = Clock::now();
  auto reply = Count(*client, "k", "paused");
  EXPECT_TRUE(absl::IsUnavailable(reply.status())) << reply.status();
  EXPECT_LT(Clock::now() - asked, 5s);  // answered, not hung
  EXPECT_FALSE(client->up());

  const auto until = Clock::now() + 5s;
  while (!reply.ok() && Clock::now() < until) {
    reply = Count(*client, "k", "resumed");
    if (!reply.ok()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->elements[0].str, "resumed");
  EXPECT_TRUE(client->up());
}

// While the pipeline's thread waits for a paused Redis, the queue fills: the call past
// max_queued is refused ResourceExhausted on the calling thread; the queued ones are
// answered once Redis resumes.
TEST_F(RedisClientAsyncTest, FullQueueRefusesAtOnce) {
  Answers answers;
  std::optional<absl::Status> refused;
  std::thread::id answered_on;
  auto client = MakeClient(5000ms, 4);
  auto admin = MakeClient();
  ASSERT_TRUE(Count(*client, "k", "warm").ok());  // connected, script loaded
  const std::uint64_t written = CounterValue("iothub_redis_pipelined_total");
  ASSERT_TRUE(admin->Command({"CLIENT", "PAUSE", "1000", "ALL"}).ok());
  const std::string_view keys[] = {"k"};
  const std::string_view args[] = {"paused"};
  client->EvalAsync(CountScript(), keys, args, answers.Expect());
  // That one is in flight once the thread wrote it; then four fill the queue.
  const auto until = Clock::now() + 5s;
  while (CounterValue("iothub_redis_pipelined_total") == written && Clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  for (int i = 0; i < 4; ++i) client->EvalAsync(CountScript(), keys, args, answers.Expect());
  client->EvalAsync(CountScript(), keys, args, [&](absl::StatusOr<RedisReply> reply) {
    refused = reply.status();
    answered_on = std::this_thread::get_id();
  });
  ASSERT_TRUE(refused.has_value());  // before EvalAsync returned
  EXPECT_TRUE(absl::IsResourceExhausted(*refused)) << *refused;
  EXPECT_EQ(answered_on, std::this_thread::get_id());
  EXPECT_EQ(CounterValue("iothub_redis_queue_full_total"), 1u);
  ASSERT_TRUE(answers.Wait());
  for (const auto& reply : answers.Take()) EXPECT_TRUE(reply.ok()) << reply.status();
}

// Destroying the client with commands queued and in flight answers every one of them.
TEST_F(RedisClientAsyncTest, DestroyingTheClientAnswersEveryCall) {
  constexpr int kCalls = 300;
  std::atomic<int> answered{0};
  std::atomic<int> unavailable{0};
  auto client = MakeClient(100ms);
  auto admin = MakeClient();
  ASSERT_TRUE(Count(*client, "k", "warm").ok());
  ASSERT_TRUE(admin->Command({"CLIENT", "PAUSE", "500", "ALL"}).ok());
  const std::string_view keys[] = {"k"};
  const std::string_view args[] = {"late"};
  for (int i = 0; i < kCalls; ++i) {
    client->EvalAsync(CountScript(), keys, args, [&](absl::StatusOr<RedisReply> reply) {
      answered.fetch_add(1);
      if (absl::IsUnavailable(reply.status())) unavailable.fetch_add(1);
    });
  }
  client.reset();
  EXPECT_EQ(answered.load(), kCalls);
  EXPECT_GT(unavailable.load(), 0);
}

// A done may ask again (as a continuation does): chained calls all complete.
TEST_F(RedisClientAsyncTest, DoneMayCallAgain) {
  std::mutex mutex;
  std::condition_variable finished;
  int left = 10;
  std::unique_ptr<RedisClient> client;
  std::function<void(absl::StatusOr<RedisReply>)> next = [&](absl::StatusOr<RedisReply> reply) {
    std::lock_guard lock(mutex);
    if (!reply.ok() || --left == 0) {
      finished.notify_all();
      return;
    }
    const std::string_view keys[] = {"chain"};
    const std::string_view args[] = {"x"};
    client->EvalAsync(CountScript(), keys, args, next);
  };
  client = MakeClient();
  {
    const std::string_view keys[] = {"chain"};
    const std::string_view args[] = {"x"};
    client->EvalAsync(CountScript(), keys, args, next);
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(finished.wait_for(lock, 20s, [&] { return left == 0; })) << left;
  lock.unlock();
  EXPECT_EQ(client->Command({"GET", "chain"})->str, "10");
}

}  // namespace
}  // namespace iothub::cluster
