// hook-load's set-up calls: one pass over a list of requests (prime, prefill, drain) and
// a single blocking call (OnProviderLoaded).
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hook_load/vocabulary.h"

namespace hook_load {

// The connections: stubs[target][channel], --channels of them per --target.
using Stubs = std::vector<std::vector<std::unique_ptr<grpc::GenericStub>>>;

// One pass over `requests` (serialized) to `method`, at most `concurrency` in flight,
// request i to target `targets[i]` over its channels in turn: the set-up phases (prime,
// prefill, drain). Per request: the status and, for a valued hook, the parsed answer.
struct OnceResult {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::optional<pb::ValuedResponse> valued;
};
std::vector<OnceResult> RunOnce(const Stubs& stubs, const std::string& method,
                                const std::vector<std::string>& requests,
                                const std::vector<uint8_t>& targets, bool valued, int concurrency,
                                std::chrono::milliseconds timeout);

// A unary call that waits for its answer (OnProviderLoaded).
grpc::Status BlockingCall(grpc::GenericStub& stub, const std::string& method,
                          const std::string& request, std::string* response);

}  // namespace hook_load
