// ExhookService: what the gRPC transport (ExhookServer) calls for each of the 21 rpcs.
// The hub's implementation is ExhookDispatcher; the benchmark's do-nothing baseline is
// another, so both run on exactly the same transport.
// Thread-safety: implementations are called concurrently and must not block.
#pragma once

#include <grpcpp/support/status.h>

#include "exhook.pb.h"
#include "hooks/exhook_rpcs.h"
#include "hooks/hook_metrics.h"

namespace iothub::hooks {

namespace pb = ::emqx::exhook::v2;

class ExhookService {
 public:
  virtual ~ExhookService() = default;

  // One overload per rpc; `outcome` receives the metric label of the answer.
#define IOTHUB_DECLARE_HANDLE(name, req, resp, hook) \
  virtual grpc::Status Handle(const pb::req& request, pb::resp* response, Outcome* outcome) = 0;
  IOTHUB_EXHOOK_RPCS(IOTHUB_DECLARE_HANDLE)
#undef IOTHUB_DECLARE_HANDLE
};

}  // namespace iothub::hooks
