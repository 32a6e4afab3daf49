#include "cluster/redis_client.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "absl/container/inlined_vector.h"
#include "cluster/redis_connection.h"
#include "cluster/redis_pipelined_link.h"

namespace iothub::cluster {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// A synchronous connection and the lock its caller holds for a round trip.
struct RedisClient::Connection {
  explicit Connection(const RedisOptions& options) : link(options) {}
  std::mutex mutex;
  RedisConnection link;
};

// A pipelined command's arguments as hiredis takes them: pointers and lengths, on the
// stack for the usual few arguments.
struct RedisClient::AsyncArgv {
  void Add(std::string_view a) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  absl::InlinedVector<const char*, 16> argv;
  absl::InlinedVector<std::size_t, 16> lengths;
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
      health_(metrics) {
  for (std::size_t i = 0; i < options_.connections; ++i) {
    connections_.push_back(std::make_unique<Connection>(options_));
  }
  pipeline_ = std::make_unique<RedisPipelinedLink>(options_, health_, metrics);
}

RedisClient::~RedisClient() = default;

absl::StatusOr<std::vector<RedisReply>> RedisClient::RoundTrip(
    std::span<const std::vector<std::string_view>> commands) {
  const Clock::time_point start = Clock::now();
  // A free connection if there is one, else wait for the one after the last used.
  const std::size_t first = next_.fetch_add(1, std::memory_order_relaxed);
  Connection* chosen = nullptr;
  std::unique_lock<std::mutex> lock;
  for (std::size_t i = 0; i < options_.connections && chosen == nullptr; ++i) {
    Connection& c = *connections_[(first + i) % options_.connections];
    std::unique_lock<std::mutex> attempt(c.mutex, std::try_to_lock);
    if (attempt.owns_lock()) {
      chosen = &c;
      lock = std::move(attempt);
    }
  }
  if (chosen == nullptr) {
    chosen = connections_[first % options_.connections].get();
    lock = std::unique_lock<std::mutex>(chosen->mutex);
  }
  RedisConnection& link = chosen->link;

  absl::StatusOr<std::vector<RedisReply>> result;
  if (absl::Status up = link.Ensure(); !up.ok()) {
    result = up;
  } else {
    for (const auto& command : commands) link.Append(command);
    std::vector<RedisReply> replies;
    replies.reserve(commands.size());
    absl::Status status;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      auto reply = link.Read();
      if (!reply.ok()) {
        status = reply.status();  // the connection is gone: no more replies to read
        break;
      }
      auto converted = ToRedisReply(**reply);
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
  health_.Record(result.status(), Clock::now() - start);
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

void RedisClient::EvalAsync(const RedisScript& script, std::span<const std::string_view> keys,
                            std::span<const std::string_view> args, EvalDone done) {
  char key_count[24];
  const auto counted = std::to_chars(key_count, key_count + sizeof key_count, keys.size());
  AsyncArgv argv;
  argv.Add("EVALSHA");
  argv.Add(script.sha1());
  argv.Add(std::string_view(key_count, counted.ptr - key_count));
  for (std::string_view key : keys) argv.Add(key);
  for (std::string_view arg : args) argv.Add(arg);
  SubmitAsync(argv, &script, std::move(done));
}

void RedisClient::CommandAsync(std::span<const std::string_view> argv, EvalDone done) {
  AsyncArgv command;
  for (std::string_view arg : argv) command.Add(arg);
  SubmitAsync(command, nullptr, std::move(done));
}

void RedisClient::SubmitAsync(AsyncArgv& argv, const RedisScript* script, EvalDone done) {
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.argv.size()),
                                            argv.argv.data(), argv.lengths.data());
  if (length < 0) {
    done(absl::ResourceExhaustedError("redis: out of memory formatting a command"));
    return;
  }
  pipeline_->Submit(RedisPipelinedLink::FormattedCommand(formatted),
                    static_cast<std::size_t>(length), script, std::move(done));
}

}  // namespace iothub::cluster
