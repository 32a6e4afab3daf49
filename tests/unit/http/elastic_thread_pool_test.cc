#include "http/elastic_thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

namespace iothub::http {
namespace {

using std::chrono::milliseconds;

// Waits up to 5 s for `done`.
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  return done();
}

// Blocked tasks do not delay others: 20 tasks that wait for each other all run at once
// on a pool of 2 core threads (a fixed pool would deadlock here).
TEST(ElasticThreadPoolTest, EachTaskGetsAThreadUpToTheCap) {
  ElasticThreadPool pool(2, 32);
  std::latch all_running(20);
  std::atomic<int> finished{0};
  for (int i = 0; i < 20; ++i) {
    pool.enqueue([&] {
      all_running.arrive_and_wait();
      ++finished;
    });
  }
  EXPECT_TRUE(Eventually([&] { return finished.load() == 20; }));
  EXPECT_LE(pool.threads(), 32u);
  pool.shutdown();
}

// Past the cap, tasks wait their turn instead of starting threads.
TEST(ElasticThreadPoolTest, TasksBeyondTheCapQueue) {
  ElasticThreadPool pool(1, 3);
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      ++started;
      while (!release.load()) std::this_thread::sleep_for(milliseconds(1));
    });
  }
  EXPECT_TRUE(Eventually([&] { return started.load() == 3; }));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(started.load(), 3);
  EXPECT_EQ(pool.threads(), 3u);
  release = true;
  EXPECT_TRUE(Eventually([&] { return started.load() == 5; }));
  pool.shutdown();
}

// Threads started for a burst exit after idle_exit; the core stays.
TEST(ElasticThreadPoolTest, BurstThreadsExitWhenIdle) {
  ElasticThreadPool pool(2, 16, milliseconds(50));
  std::latch all_running(10);
  for (int i = 0; i < 10; ++i) pool.enqueue([&] { all_running.arrive_and_wait(); });
  EXPECT_TRUE(Eventually([&] { return pool.threads() >= 10; }));
  EXPECT_TRUE(Eventually([&] { return pool.threads() == 2; }));
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

// shutdown runs what is queued, then returns with no thread left.
TEST(ElasticThreadPoolTest, ShutdownRunsQueuedTasks) {
  std::atomic<int> ran{0};
  ElasticThreadPool pool(1, 1);
  for (int i = 0; i < 10; ++i) pool.enqueue([&] { ++ran; });
  pool.shutdown();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace iothub::http
