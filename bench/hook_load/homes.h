// hook-load's targets: which of the --target servers each client's calls go to.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "hook_load/fixture.h"

namespace hook_load {

// The most --target servers one run drives (ThreadStats counts calls per target).
constexpr size_t kMaxTargets = 8;

// A client's home: the hub beside the EMQX node it is connected to, which EMQX asks about
// every hook of that client. Users live on the first target and devices on the last, so
// with two targets every RPC request (a user's publish) goes through one hub and its
// device's response through the other: the cross-hub case a cluster must get right.
// Clients the fixture does not name (hostile clients, the synthetic fixture's senders)
// are spread by a hash of their clientid. With one target everything goes to it.
class Homes {
 public:
  Homes(const Fixture& fixture, size_t targets);

  uint8_t Of(const std::string& clientid) const;
  size_t targets() const { return targets_; }

 private:
  size_t targets_;
  std::unordered_map<std::string, uint8_t> known_;
};

}  // namespace hook_load
