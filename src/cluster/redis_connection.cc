#include "cluster/redis_connection.h"

#include <algorithm>
#include <string>

namespace iothub::cluster {

absl::StatusOr<RedisReply> ToRedisReply(const redisReply& r) {
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
        auto element = ToRedisReply(*r.element[i]);
        if (!element.ok()) return element.status();
        out.elements.push_back(*std::move(element));
      }
      return out;
    default:
      return absl::InternalError("redis: unexpected reply type");
  }
}

absl::Status RedisConnection::Ensure() {
  if (context_ != nullptr) return absl::OkStatus();
  const Clock::time_point now = Clock::now();
  if (now < next_attempt_) return absl::UnavailableError("redis: down, reconnecting");
  // Until this attempt succeeds, the next one waits (doubling up to kMaxBackoff).
  next_attempt_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
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
  context_ = std::move(context);
  std::vector<std::vector<std::string_view>> setup;
  const std::string db = std::to_string(options_.db);
  if (!options_.password.empty()) setup.push_back({"AUTH", options_.password});
  if (options_.db != 0) setup.push_back({"SELECT", db});
  for (const auto& command : setup) {
    Append(command);
    auto reply = Read();
    if (!reply.ok() || (*reply)->type == REDIS_REPLY_ERROR) {
      context_.reset();
      // The command's name only (never the password that was sent).
      return absl::UnavailableError("redis: " + std::string(command[0]) + " refused");
    }
  }
  backoff_ = kFirstBackoff;
  next_attempt_ = {};
  ++connects_;
  return absl::OkStatus();
}

void RedisConnection::Append(std::span<const std::string_view> command) {
  argv_.clear();
  lengths_.clear();
  for (std::string_view a : command) {
    argv_.push_back(a.data());
    lengths_.push_back(a.size());
  }
  redisAppendCommandArgv(context_.get(), static_cast<int>(argv_.size()), argv_.data(),
                         lengths_.data());
}

void RedisConnection::AppendFormatted(std::string_view command) {
  redisAppendFormattedCommand(context_.get(), command.data(), command.size());
}

absl::StatusOr<RedisReplyPtr> RedisConnection::Read() {
  void* raw = nullptr;
  if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
    absl::Status broken = absl::UnavailableError(
        std::string("redis: ") + (context_->errstr[0] != '\0' ? context_->errstr : "no reply"));
    context_.reset();
    return broken;
  }
  return RedisReplyPtr(static_cast<redisReply*>(raw));
}

}  // namespace iothub::cluster
