#include "cluster/redis_pipelined_link.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace iothub::cluster {
namespace {

bool IsNoScript(const redisReply& reply) {
  return reply.type == REDIS_REPLY_ERROR &&
         std::string_view(reply.str, reply.len).starts_with("NOSCRIPT");
}

}  // namespace

RedisPipelinedLink::RedisPipelinedLink(const RedisOptions& options, RedisHealth& health,
                                       Metrics& metrics)
    : options_(options),
      health_(health),
      connection_(options),
      meters_{
          .queued = metrics.GetGauge("iothub_redis_queued",
                                     "Pipelined Redis commands waiting to be written."),
          .pipelined = metrics.GetCounter("iothub_redis_pipelined_total",
                                          "Commands written to Redis by the pipeline."),
          .writes = metrics.GetCounter("iothub_redis_pipeline_writes_total",
                                       "Writes of the pipeline to Redis (each carries a batch)."),
          .queue_full = metrics.GetCounter("iothub_redis_queue_full_total",
                                           "Pipelined Redis commands refused: the queue was full."),
      },
      thread_([this] { Run(); }) {}

RedisPipelinedLink::~RedisPipelinedLink() { Stop(); }

void RedisPipelinedLink::Submit(FormattedCommand command, std::size_t length,
                                const RedisScript* script, RedisClient::EvalDone done) {
  absl::Status refused;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = absl::UnavailableError("redis: client stopping");
    } else if (queue_.size() >= options_.max_queued) {
      refused = absl::ResourceExhaustedError("redis: too many commands queued");
    } else {
      queue_.push_back({.command = std::move(command),
                        .length = length,
                        .script = script,
                        .done = std::move(done),
                        .queued = Clock::now()});
      meters_.queued.Add(1);  // under the lock: before the thread takes it off
      wake = idle_;
    }
  }
  if (!refused.ok()) {
    if (absl::IsResourceExhausted(refused)) meters_.queue_full.Increment();
    done(std::move(refused));
    return;
  }
  // Only a waiting thread needs the wake-up: a busy one takes the queue when it is done.
  if (wake) wake_.notify_one();
}

void RedisPipelinedLink::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::lock_guard join(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void RedisPipelinedLink::Run() {
  std::vector<Pending> batch;
  batch.reserve(kMaxBatch);
  bool stopping = false;
  while (!stopping) {
    {
      std::unique_lock lock(mutex_);
      idle_ = true;
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      idle_ = false;
      stopping = stopping_;
      // Stopping: everything left, answered Unavailable below.
      const std::size_t n = stopping ? queue_.size() : std::min(queue_.size(), kMaxBatch);
      std::move(queue_.begin(), queue_.begin() + n, std::back_inserter(batch));
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    meters_.queued.Add(-static_cast<std::int64_t>(batch.size()));
    if (stopping) {
      // Not Redis's failure: answered without marking it down.
      for (Pending& pending : batch) pending.done(absl::UnavailableError("redis: client stopping"));
    } else {
      Send(batch);
    }
    batch.clear();
  }
}

void RedisPipelinedLink::Send(std::vector<Pending>& batch) {
  std::vector<Pending*> live;
  live.reserve(batch.size());
  for (Pending& pending : batch) live.push_back(&pending);
  if (absl::Status up = connection_.Ensure(); !up.ok()) {
    FailAll(live, up);
    return;
  }
  // A command that waited a whole timeout (behind a batch that timed out, or a slow
  // connect) goes unsent: its caller's time is up.
  const Clock::time_point now = Clock::now();
  std::erase_if(live, [&](Pending* pending) {
    if (now - pending->queued < options_.timeout) return false;
    Answer(*pending, absl::UnavailableError("redis: timed out in the queue"));
    return true;
  });
  if (live.empty()) return;
  const std::size_t loads = AppendLoads(live);
  AppendAll(live);
  meters_.writes.Increment();
  meters_.pipelined.Increment(loads + live.size());
  // A failed load needs no check of its own: its commands get NOSCRIPT, then retried.
  for (std::size_t i = 0; i < loads; ++i) {
    if (auto loaded = connection_.Read(); !loaded.ok()) {
      FailAll(live, loaded.status());
      return;
    }
  }
  std::vector<Pending*> retry;
  for (Pending* pending : live) {
    auto reply = connection_.Read();
    if (!reply.ok()) {
      FailAll(live, reply.status());  // also those waiting for a retry
      return;
    }
    if (pending->script != nullptr && IsNoScript(**reply)) {
      retry.push_back(pending);
      continue;
    }
    Answer(*pending, ToRedisReply(**reply));
  }
  if (!retry.empty()) Retry(retry);
}

std::size_t RedisPipelinedLink::AppendLoads(std::span<Pending* const> live) {
  if (connection_.connects() != loaded_on_) {  // a new connection: maybe a new Redis
    loaded_.clear();
    loaded_on_ = connection_.connects();
  }
  std::size_t loads = 0;
  for (const Pending* pending : live) {
    const RedisScript* script = pending->script;
    if (script == nullptr || std::find(loaded_.begin(), loaded_.end(), script) != loaded_.end()) {
      continue;
    }
    const std::string_view load[] = {"SCRIPT", "LOAD", script->source()};
    connection_.Append(load);
    loaded_.push_back(script);
    ++loads;
  }
  return loads;
}

void RedisPipelinedLink::Retry(std::vector<Pending*>& retry) {
  std::vector<const RedisScript*> scripts;
  for (const Pending* pending : retry) {
    if (std::find(scripts.begin(), scripts.end(), pending->script) == scripts.end()) {
      scripts.push_back(pending->script);
    }
  }
  // One write: each script loaded, then the commands again. A failed load needs no
  // check of its own: its commands get NOSCRIPT again, answered as an error reply.
  for (const RedisScript* script : scripts) {
    const std::string_view load[] = {"SCRIPT", "LOAD", script->source()};
    connection_.Append(load);
  }
  AppendAll(retry);
  meters_.writes.Increment();
  meters_.pipelined.Increment(scripts.size() + retry.size());
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    if (auto loaded = connection_.Read(); !loaded.ok()) {
      FailAll(retry, loaded.status());
      return;
    }
  }
  for (Pending* pending : retry) {
    auto reply = connection_.Read();
    if (!reply.ok()) {
      FailAll(retry, reply.status());
      return;
    }
    Answer(*pending, ToRedisReply(**reply));
  }
}

void RedisPipelinedLink::AppendAll(std::span<Pending* const> commands) {
  for (Pending* pending : commands) {
    connection_.AppendFormatted({pending->command.get(), pending->length});
  }
}

void RedisPipelinedLink::FailAll(std::span<Pending* const> batch, const absl::Status& status) {
  for (Pending* pending : batch) {
    if (pending->done != nullptr) Answer(*pending, status);
  }
}

void RedisPipelinedLink::Answer(Pending& pending, absl::StatusOr<RedisReply> reply) {
  health_.Record(reply.status(), Clock::now() - pending.queued);
  RedisClient::EvalDone done = std::exchange(pending.done, nullptr);
  done(std::move(reply));
}

}  // namespace iothub::cluster
