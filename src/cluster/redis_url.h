// RedisOptions and the redis:// URL they come from ([cluster] redis_url): parsing and
// redaction, apart from the client so that the config loader needs no hiredis.
// Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace iothub::cluster {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;
  std::chrono::milliseconds timeout{100};
  std::size_t connections = 4;  // synchronous calls' connections
  // EvalAsync commands that may wait for the pipeline's thread; more are refused at
  // once (ResourceExhausted). 10 000 is about 0.1 s of a busy hub's RPC traffic.
  std::size_t max_queued = 10'000;
};

// redis://[[user]:password@]host[:port][/db]. InvalidArgument (without the password)
// for anything else.
absl::StatusOr<RedisOptions> ParseRedisUrl(std::string_view url);
// The URL with its password replaced by "****", for logs.
std::string RedactRedisUrl(std::string_view url);

}  // namespace iothub::cluster
