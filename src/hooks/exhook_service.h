// ExhookService: what the gRPC transport (ExhookServer) calls for each of the 21 rpcs.
// The hub's implementation is ExhookDispatcher; the benchmark's do-nothing baseline is
// another, so both run on exactly the same transport.
// The transport calls HandleAsync, which may answer later from another thread, so that a
// server thread never waits for shared state; its defaults answer at once through Handle.
// Thread-safety: implementations are called concurrently and must not block.
#pragma once

#include <grpcpp/support/status.h>

#include "exhook.pb.h"
#include "hooks/exhook_rpcs.h"
#include "hooks/hook_metrics.h"

namespace iothub::hooks {

namespace pb = ::emqx::exhook::v2;

// Where the answer to one call goes (the transport's call); Send once.
class PendingAnswer {
 public:
  virtual void Send(grpc::Status status, Outcome outcome) = 0;

 protected:
  ~PendingAnswer() = default;
};

class ExhookService {
 public:
  virtual ~ExhookService() = default;

  // One overload per rpc; `outcome` receives the metric label of the answer.
#define IOTHUB_DECLARE_HANDLE(name, req, resp, hook) \
  virtual grpc::Status Handle(const pb::req& request, pb::resp* response, Outcome* outcome) = 0;
  IOTHUB_EXHOOK_RPCS(IOTHUB_DECLARE_HANDLE)
#undef IOTHUB_DECLARE_HANDLE

  // Each rpc answered now or later: `answer.Send` runs exactly once, after `response` is
  // written, on any thread; `request`, `response` and `answer` stay valid until then.
  // Never throws. The defaults answer at once through Handle (an exception there is a
  // gRPC error, which leaves the call to EMQX's failed_action).
#define IOTHUB_DECLARE_HANDLE_ASYNC(name, req, resp, hook)                                      \
  virtual void HandleAsync(const pb::req& request, pb::resp* response, PendingAnswer& answer) { \
    AnswerNow(answer, [&](Outcome* outcome) { return Handle(request, response, outcome); });    \
  }
  IOTHUB_EXHOOK_RPCS(IOTHUB_DECLARE_HANDLE_ASYNC)
#undef IOTHUB_DECLARE_HANDLE_ASYNC

 private:
  template <typename HandleFn>
  static void AnswerNow(PendingAnswer& answer, HandleFn handle) {
    Outcome outcome = Outcome::kError;
    grpc::Status status;
    try {
      status = handle(&outcome);
    } catch (...) {
      outcome = Outcome::kError;
      status = grpc::Status(grpc::StatusCode::INTERNAL, "hook handler failed");
    }
    answer.Send(std::move(status), outcome);
  }
};

}  // namespace iothub::hooks
