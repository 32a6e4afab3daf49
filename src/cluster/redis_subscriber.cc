#include "cluster/redis_subscriber.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "cluster/hiredis_handles.h"

namespace iothub::cluster {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollSlice = std::chrono::milliseconds(200);
constexpr auto kPingAfter = std::chrono::milliseconds(1000);
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

absl::Status Broken(redisContext& c, std::string_view what) {
  return absl::UnavailableError("redis subscriber: " + std::string(what) + ": " +
                                (c.errstr[0] != '\0' ? c.errstr : "no reply"));
}

// A blocking command on a connection not subscribed yet (bounded by its timeout).
absl::StatusOr<RedisReplyPtr> Call(redisContext& c, const std::vector<std::string_view>& command) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (std::string_view a : command) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  RedisReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(&c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) return Broken(c, command[0]);
  if (reply->type == REDIS_REPLY_ERROR) {
    // Never the command's arguments: AUTH carries the password.
    return absl::UnavailableError("redis subscriber: " + std::string(command[0]) + " refused");
  }
  return reply;
}

bool IsArrayOf(const redisReply& r, std::string_view head) {
  return r.type == REDIS_REPLY_ARRAY && r.elements >= 1 &&
         r.element[0]->type == REDIS_REPLY_STRING &&
         std::string_view(r.element[0]->str, r.element[0]->len) == head;
}

}  // namespace

RedisSubscriber::RedisSubscriber(RedisOptions options, std::string channel,
                                 SubscriberHandlers handlers)
    : options_(std::move(options)), channel_(std::move(channel)), handlers_(std::move(handlers)) {}

void RedisSubscriber::Start() {
  stop_.store(false, std::memory_order_release);
  thread_ = std::thread([this] { Run(); });
}

void RedisSubscriber::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RedisSubscriber::SetUp(bool up) {
  if (up_.exchange(up, std::memory_order_acq_rel) == up) return;
  if (handlers_.on_state) handlers_.on_state(up);
}

void RedisSubscriber::Run() {
  auto backoff = kFirstBackoff;
  bool failing = false;
  while (!stopping()) {
    const Clock::time_point started = Clock::now();
    absl::Status status = Follow();
    SetUp(false);
    if (stopping()) break;
    if (Clock::now() - started > kMaxBackoff) {  // it had worked: a new streak
      backoff = kFirstBackoff;
      failing = false;
    }
    if (!failing)
      spdlog::warn("{} (reconnecting)", std::string(status.message()));  // once per streak
    failing = true;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [this] { return stopping(); });
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

absl::Status RedisSubscriber::Follow() {
  RedisContextPtr context(
      redisConnectWithTimeout(options_.host.c_str(), options_.port, ToTimeval(options_.timeout)));
  if (context == nullptr) return absl::UnavailableError("redis subscriber: cannot allocate");
  if (context->err != 0) return Broken(*context, "connect");
  redisContext& c = *context;
  if (redisSetTimeout(&c, ToTimeval(options_.timeout)) != REDIS_OK) {
    return Broken(c, "set timeout");
  }
  if (!options_.password.empty()) {
    if (auto reply = Call(c, {"AUTH", options_.password}); !reply.ok()) return reply.status();
  }
  auto subscribed = Call(c, {"SUBSCRIBE", channel_});
  if (!subscribed.ok()) return subscribed.status();
  if (!IsArrayOf(**subscribed, "subscribe")) {
    return absl::UnavailableError("redis subscriber: unexpected reply to SUBSCRIBE");
  }
  SetUp(true);

  const auto answer_within = std::max<std::chrono::milliseconds>(options_.timeout, kPingAfter);
  Clock::time_point last_traffic = Clock::now();
  std::optional<Clock::time_point> ping_sent;
  while (!stopping()) {
    const Clock::time_point now = Clock::now();
    if (ping_sent && now - *ping_sent > answer_within) {
      return absl::UnavailableError("redis subscriber: PING unanswered");
    }
    if (!ping_sent && now - last_traffic > kPingAfter) {
      redisAppendCommand(&c, "PING");
      int done = 0;
      while (!done) {
        if (redisBufferWrite(&c, &done) != REDIS_OK) return Broken(c, "PING");
      }
      ping_sent = now;
    }
    pollfd fd{.fd = c.fd, .events = POLLIN, .revents = 0};
    const int ready = poll(&fd, 1, static_cast<int>(kPollSlice.count()));
    if (ready < 0 && errno != EINTR) return absl::UnavailableError("redis subscriber: poll");
    if (ready <= 0) continue;
    if (redisBufferRead(&c) != REDIS_OK) return Broken(c, "read");
    last_traffic = Clock::now();
    for (;;) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(&c, &raw) != REDIS_OK) return Broken(c, "parse");
      if (raw == nullptr) break;
      RedisReplyPtr reply(static_cast<redisReply*>(raw));
      if (IsArrayOf(*reply, "pong")) {
        ping_sent.reset();
      } else if (IsArrayOf(*reply, "message") && reply->elements == 3 &&
                 reply->element[2]->type == REDIS_REPLY_STRING && handlers_.on_message) {
        handlers_.on_message(std::string_view(reply->element[2]->str, reply->element[2]->len));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace iothub::cluster
