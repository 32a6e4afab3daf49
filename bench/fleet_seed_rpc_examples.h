// fleet-seed's RPC pairs: for each method of the catalog, valid params and a plausible
// device result, from which the fixture builds its request/response publishes.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/clock.h"

namespace iothub::bench {

struct RpcExample {
  const char* method;
  nlohmann::json params;  // null: no params
  nlohmann::json result;
};

// One example per method of the catalog; times in the results are around `now`.
std::vector<RpcExample> RpcExamples(UnixMillis now);

}  // namespace iothub::bench
