// RedisSubscriber: follows one Redis pub/sub channel on a thread of its own, with its
// own connection (a subscribed connection can do nothing else).
//  - Tells its owner when the subscription is up (from then on every message published
//    to the channel arrives) and when it went down (messages may have been lost: the
//    owner must stop trusting what the messages kept up to date).
//  - A silent connection is checked: after 1 s without traffic it PINGs, and a PING
//    unanswered within max(timeout, 1 s) counts as down. Reconnects by itself, 100 ms
//    doubling to 1 s apart.
// The handlers run on the subscriber's thread, one at a time; they must be quick.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "cluster/redis_url.h"

namespace iothub::cluster {

struct SubscriberHandlers {
  std::function<void(std::string_view message)> on_message;
  std::function<void(bool up)> on_state;  // true: subscribed; false: down
};

class RedisSubscriber {
 public:
  RedisSubscriber(RedisOptions options, std::string channel, SubscriberHandlers handlers);
  ~RedisSubscriber() { Stop(); }
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  void Start();
  void Stop();
  bool up() const { return up_.load(std::memory_order_acquire); }

 private:
  void Run();
  // Connects, subscribes and reads until the connection fails or Stop.
  absl::Status Follow();
  void SetUp(bool up);
  bool stopping() const { return stop_.load(std::memory_order_acquire); }

  const RedisOptions options_;
  const std::string channel_;
  const SubscriberHandlers handlers_;
  std::atomic<bool> up_{false};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace iothub::cluster
