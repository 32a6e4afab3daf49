#include "cluster/redis_client.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "cluster/hiredis_handles.h"

namespace iothub::cluster {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

// The reply tree as plain values; an error reply anywhere becomes Internal.
absl::StatusOr<RedisReply> Convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_ERROR:
      return absl::InternalError("redis: " + std::string(r.str, r.len));
    case REDIS_REPLY_NIL:
      return out;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      return out;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) {
        auto element = Convert(*r.element[i]);
        if (!element.ok()) return element.status();
        out.elements.push_back(*std::move(element));
      }
      return out;
    default:
      return absl::InternalError("redis: unexpected reply type");
  }
}

}  // namespace

struct RedisClient::Connection {
  std::mutex mutex;
  RedisContextPtr context;  // null: down
  Clock::time_point next_attempt{};
  std::chrono::milliseconds backoff = kFirstBackoff;
  // One command's arguments as hiredis takes them; kept to allocate once, not per call.
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;

  // Queues `command` on the context (hiredis formats it into its output buffer).
  void Append(std::span<const std::string_view> command) {
    argv.clear();
    lengths.clear();
    for (std::string_view a : command) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    redisAppendCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(),
                           lengths.data());
  }
};

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  char hex[2 * SHA_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  sha1_.assign(hex, 2 * SHA_DIGEST_LENGTH);
}

RedisClient::RedisClient(RedisOptions options, Metrics& metrics)
    : options_([&] {
        options.connections = std::max<std::size_t>(1, options.connections);
        return options;
      }()),
      connections_(new Connection[options_.connections]),
      latency_(metrics.GetHistogram("iothub_redis_command_seconds",
                                    "Round trips to Redis (shared state), successful or not.")),
      errors_(metrics.GetCounter("iothub_redis_errors_total",
                                 "Redis round trips that failed (down, timeout, error reply).")),
      up_gauge_(
          metrics.GetGauge("iothub_redis_up", "1 while the last Redis round trip succeeded.")) {
  last_error_ = "redis: not reached yet";
}

RedisClient::~RedisClient() = default;

std::string RedisClient::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void RedisClient::NoteFailure(const absl::Status& status) {
  errors_.Increment();
  up_.store(false, std::memory_order_relaxed);
  up_gauge_.Set(0);
  std::lock_guard lock(error_mutex_);
  last_error_ = std::string(status.message());
}

absl::Status RedisClient::Connect(Connection& c) {
  const Clock::time_point now = Clock::now();
  if (now < c.next_attempt) return absl::UnavailableError("redis: down, reconnecting");
  // Until this attempt succeeds, the next one waits (doubling up to kMaxBackoff).
  c.next_attempt = now + c.backoff;
  c.backoff =
      std::min(c.backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
  RedisContextPtr context(
      redisConnectWithTimeout(options_.host.c_str(), options_.port, ToTimeval(options_.timeout)));
  if (context == nullptr) return absl::UnavailableError("redis: cannot allocate a connection");
  if (context->err != 0) {
    return absl::UnavailableError("redis: cannot connect to " + options_.host + ":" +
                                  std::to_string(options_.port) + ": " + context->errstr);
  }
  if (redisSetTimeout(context.get(), ToTimeval(options_.timeout)) != REDIS_OK) {
    return absl::UnavailableError("redis: cannot set the timeout");
  }
  c.context = std::move(context);
  std::vector<std::vector<std::string_view>> setup;
  const std::string db = std::to_string(options_.db);
  if (!options_.password.empty()) setup.push_back({"AUTH", options_.password});
  if (options_.db != 0) setup.push_back({"SELECT", db});
  for (const auto& command : setup) {
    c.Append(command);
    void* raw = nullptr;
    const int got = redisGetReply(c.context.get(), &raw);
    RedisReplyPtr reply(static_cast<redisReply*>(raw));
    if (got != REDIS_OK || reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      c.context.reset();
      // The reply's text only (never the password that was sent).
      return absl::UnavailableError("redis: " + std::string(command[0]) + " refused");
    }
  }
  c.backoff = kFirstBackoff;
  c.next_attempt = {};
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::RoundTrip(
    std::span<const std::vector<std::string_view>> commands) {
  const Clock::time_point start = Clock::now();
  // A free connection if there is one, else wait for the one after the last used.
  const std::size_t first = next_.fetch_add(1, std::memory_order_relaxed);
  Connection* chosen = nullptr;
  std::unique_lock<std::mutex> lock;
  for (std::size_t i = 0; i < options_.connections && chosen == nullptr; ++i) {
    Connection& c = connections_[(first + i) % options_.connections];
    std::unique_lock<std::mutex> attempt(c.mutex, std::try_to_lock);
    if (attempt.owns_lock()) {
      chosen = &c;
      lock = std::move(attempt);
    }
  }
  if (chosen == nullptr) {
    chosen = &connections_[first % options_.connections];
    lock = std::unique_lock<std::mutex>(chosen->mutex);
  }
  Connection& c = *chosen;

  absl::StatusOr<std::vector<RedisReply>> result;
  if (c.context == nullptr) {
    if (absl::Status connected = Connect(c); !connected.ok()) result = connected;
  }
  if (c.context != nullptr) {
    for (const auto& command : commands) c.Append(command);
    std::vector<RedisReply> replies;
    replies.reserve(commands.size());
    absl::Status status;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c.context.get(), &raw) != REDIS_OK || raw == nullptr) {
        // A timeout or a broken connection: the stream's state is unknown, start over.
        status =
            absl::UnavailableError(std::string("redis: ") +
                                   (c.context->errstr[0] != '\0' ? c.context->errstr : "no reply"));
        c.context.reset();
        break;
      }
      RedisReplyPtr reply(static_cast<redisReply*>(raw));
      auto converted = Convert(*reply);
      if (!converted.ok()) {
        if (status.ok()) status = converted.status();  // read the other replies still
        continue;
      }
      replies.push_back(*std::move(converted));
    }
    if (status.ok()) {
      result = std::move(replies);
    } else {
      result = status;
    }
  }
  lock.unlock();
  latency_.ObserveSeconds(std::chrono::duration<double>(Clock::now() - start).count());
  if (!result.ok()) {
    // An error reply is an answer: Redis is up. Anything else marks it down.
    if (absl::IsInternal(result.status())) {
      errors_.Increment();
    } else {
      NoteFailure(result.status());
    }
    return result;
  }
  up_.store(true, std::memory_order_relaxed);
  up_gauge_.Set(1);
  return result;
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string_view>& argv) {
  auto replies = RoundTrip(std::span(&argv, 1));
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string_view>>& commands) {
  if (commands.empty()) return std::vector<RedisReply>{};
  return RoundTrip(commands);
}

absl::StatusOr<RedisReply> RedisClient::Eval(const RedisScript& script,
                                             const std::vector<std::string_view>& keys,
                                             const std::vector<std::string_view>& args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1());
  argv.push_back(key_count);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto reply = Command(argv);
  if (reply.ok() || reply.status().message().find("NOSCRIPT") == std::string_view::npos) {
    return reply;
  }
  argv[0] = "EVAL";
  argv[1] = script.source();
  return Command(argv);
}

}  // namespace iothub::cluster
