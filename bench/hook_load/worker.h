// hook-load's closed loop: a Worker is one client thread with its own completion queue
// and its share of the outstanding calls; each completion issues the next call at once.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <array>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hook_load/calls.h"
#include "hook_load/homes.h"
#include "hook_load/requests.h"
#include "hook_load/vocabulary.h"

namespace hook_load {

// Counters and latencies of one client thread; merged after the run.
struct ThreadStats {
  std::array<std::vector<int64_t>, kHookCount> latency_ns;
  std::array<std::array<uint64_t, kStatusNames.size()>, kHookCount> status{};
  std::array<std::array<uint64_t, kOutcomeCount>, kHookCount> outcomes{};
  std::array<std::array<uint64_t, kPublishAnswerCount>, kPublishKindCount> publish{};
  std::array<uint64_t, kMaxTargets> calls_by_target{};
};

// One outstanding call: a slot of the closed loop, reused for each next call.
struct Call {
  size_t channel = 0;  // of its target's --channels
  uint8_t target = 0;  // of the call in flight
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  grpc::ByteBuffer response;
  grpc::Status status;
  int hook = 0;
  Clock::time_point start;
  // Publishes: what was sent.
  const std::string* topic = nullptr;
  PublishKind kind = kOtherPublish;
  size_t pair = 0;     // rpc mode
  std::string rpc_id;  // rpc mode: the request id
};

// What every worker shares, read-only.
struct LoadPlan {
  const std::vector<uint8_t>& schedule;
  const Pools& pools;
  const Stubs& stubs;
  const RpcTemplates* rpc;   // rpc mode; nullptr in static mode
  const std::string& nonce;  // unique per run: in ids
  const std::array<std::string, kHookCount>& methods;
  std::chrono::milliseconds timeout;
  // --rate: the time between two calls of one thread; zero: no pacing (closed loop).
  Clock::duration interval = Clock::duration::zero();
};

// A client thread: its own completion queue and its share of the outstanding calls.
class Worker {
 public:
  Worker(int index, int threads, const LoadPlan& plan) : plan_(plan), index_(index) {
    // Start each thread at a different point of the schedule and of the pools.
    position_ = plan.schedule.size() * index / threads;
    for (int h = 0; h < kHookCount; ++h) {
      next_[h] = plan.pools.requests[h].size() * index / threads;
    }
    if (plan.rpc != nullptr) next_pair_ = plan.rpc->size() * index / threads;
    message_high_ = (std::hash<std::string>{}(plan.nonce) << 8) ^ static_cast<uint64_t>(index);
  }

  void AddCall(size_t channel) {
    calls_.push_back(std::make_unique<Call>());
    calls_.back()->channel = channel;
  }

  // Runs the closed loop until `end`, recording the calls that complete in [begin, end).
  void Run(Clock::time_point begin, Clock::time_point end) {
    for (auto& call : calls_) Issue(call.get());
    size_t outstanding = calls_.size();
    pb::ValuedResponse valued;
    void* tag = nullptr;
    bool ok = false;
    while (outstanding > 0 && queue_.Next(&tag, &ok)) {
      const Clock::time_point now = Clock::now();
      Call* call = static_cast<Call*>(tag);
      const bool in_window = now >= begin && now < end;
      const bool parsed = (in_window || call->hook == kPublish) && Parse(*call, &valued);
      if (call->hook == kPublish && parsed) OnPublishAnswer(*call, valued, in_window);
      if (in_window) Record(*call, now, parsed ? &valued : nullptr);
      if (now < end) {
        Pace(now);
        Issue(call);
      } else {
        --outstanding;
      }
    }
    queue_.Shutdown();
    while (queue_.Next(&tag, &ok)) {
    }
  }

  ThreadStats& stats() { return stats_; }
  // rpc mode: requests let through whose responses were not sent before the end.
  std::deque<std::pair<size_t, std::string>>& unanswered() { return replies_; }

 private:
  // --rate: waits until this thread's next call is due (a late thread catches up).
  void Pace(Clock::time_point now) {
    if (plan_.interval == Clock::duration::zero()) return;
    if (next_due_ == Clock::time_point()) next_due_ = now;
    next_due_ += plan_.interval;
    if (next_due_ > now) std::this_thread::sleep_until(next_due_);
  }

  void Issue(Call* call) {
    const int hook = plan_.schedule[position_];
    position_ = position_ + 1 == plan_.schedule.size() ? 0 : position_ + 1;
    call->hook = hook;
    call->reader.reset();  // lives in the previous call's arena: before its context goes
    call->context = std::make_unique<grpc::ClientContext>();
    call->response.Clear();

    grpc::Slice slice;
    if (hook == kPublish && plan_.rpc != nullptr) {
      slice = grpc::Slice(NextRpcPublish(call));
    } else {
      const std::vector<grpc::Slice>& pool = plan_.pools.requests[hook];
      slice = pool[next_[hook]];
      call->target = plan_.pools.targets[hook][next_[hook]];
      if (hook == kPublish) {
        call->topic = &plan_.pools.publish_topics[next_[hook]];
        call->kind = KindOfTopic(*call->topic);
      }
      next_[hook] = next_[hook] + 1 == pool.size() ? 0 : next_[hook] + 1;
    }

    call->start = Clock::now();
    call->context->set_deadline(std::chrono::system_clock::now() + plan_.timeout);
    const grpc::ByteBuffer request(&slice, 1);
    call->reader = plan_.stubs[call->target][call->channel]->PrepareUnaryCall(
        call->context.get(), plan_.methods[hook], request, &queue_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  // rpc mode: the next publish, alternately a new request (fresh id, next pair) and the
  // response to the oldest request the server let through.
  std::string NextRpcPublish(Call* call) {
    const RpcTemplates& rpc = *plan_.rpc;
    const bool respond = reply_turn_ && !replies_.empty();
    reply_turn_ = !reply_turn_;
    const std::string message_id = MessageId(message_high_, ++message_counter_);
    if (respond) {
      call->pair = replies_.front().first;
      call->rpc_id = std::move(replies_.front().second);
      replies_.pop_front();
      call->kind = kResponsePublish;
    } else {
      call->pair = next_pair_;
      next_pair_ = next_pair_ + 1 == rpc.size() ? 0 : next_pair_ + 1;
      call->rpc_id = RequestId(plan_.nonce, static_cast<unsigned>(index_), ++request_counter_);
      call->kind = kRequestPublish;
    }
    const bool response = call->kind == kResponsePublish;
    call->topic = &rpc.topic(call->pair, response);
    call->target = rpc.target(call->pair, response);
    return rpc.Build(call->pair, response, call->rpc_id, message_id, NowMs());
  }

  bool Parse(Call& call, pb::ValuedResponse* valued) {
    if (!call.status.ok() || !kHooks[call.hook].valued) return false;
    grpc::ProtoBufferReader reader(&call.response);
    return valued->ParseFromZeroCopyStream(&reader);
  }

  void OnPublishAnswer(Call& call, const pb::ValuedResponse& valued, bool in_window) {
    const PublishAnswer answer = ClassifyPublish(valued, *call.topic);
    if (in_window) ++stats_.publish[call.kind][answer];
    // A request the server let through now waits for its device's response.
    if (plan_.rpc != nullptr && call.kind == kRequestPublish && answer == kPassed) {
      replies_.emplace_back(call.pair, std::move(call.rpc_id));
    }
  }

  void Record(Call& call, Clock::time_point now, const pb::ValuedResponse* valued) {
    const int hook = call.hook;
    stats_.latency_ns[hook].push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - call.start).count());
    ++stats_.calls_by_target[call.target];
    const int code = static_cast<int>(call.status.error_code());
    ++stats_.status[hook][code < static_cast<int>(kStatusNames.size()) ? code : 2];
    if (valued == nullptr) return;
    int value = 0;
    if (valued->value_case() == pb::ValuedResponse::kBoolResult) {
      value = valued->bool_result() ? 1 : 2;
    } else if (valued->value_case() == pb::ValuedResponse::kMessage) {
      value = 3;
    }
    const int type = std::clamp(static_cast<int>(valued->type()), 0, 2);
    ++stats_.outcomes[hook][type * 4 + value];
  }

  const LoadPlan& plan_;
  const int index_;
  Clock::time_point next_due_;  // --rate
  size_t position_ = 0;
  std::array<size_t, kHookCount> next_{};
  // rpc mode
  size_t next_pair_ = 0;
  bool reply_turn_ = false;
  uint64_t message_high_ = 0, message_counter_ = 0, request_counter_ = 0;
  std::deque<std::pair<size_t, std::string>> replies_;

  std::vector<std::unique_ptr<Call>> calls_;
  grpc::CompletionQueue queue_;
  ThreadStats stats_;
};

}  // namespace hook_load
