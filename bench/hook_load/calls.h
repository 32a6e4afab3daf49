// hook-load's connections and set-up calls: the channels to every target,
// OnProviderLoaded, and one pass over a list of requests (prime, prefill, drain).
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

// Connects `channels` HTTP/2 connections to each target; null with `*error` when one
// does not connect within 5 s.
std::optional<Stubs> ConnectTargets(const std::vector<std::string>& targets, int channels,
                                    std::string* error);

// OnProviderLoaded to every target (EMQX's first call; `prefix` names the service): the
// first target's answer, or null with `*error` when a call fails or an answer is no
// LoadedResponse.
std::optional<pb::LoadedResponse> LoadProvider(const Stubs& stubs,
                                               const std::vector<std::string>& targets,
                                               const std::string& prefix, std::string* error);

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

}  // namespace hook_load
