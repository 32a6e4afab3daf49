#include "hook_load/homes.h"

#include <functional>

namespace hook_load {

Homes::Homes(const Fixture& fixture, size_t targets) : targets_(targets) {
  for (const Fixture::Client& c : fixture.clients) {
    known_[c.clientid] = static_cast<uint8_t>(c.kind == "user" ? 0 : targets - 1);
  }
}

uint8_t Homes::Of(const std::string& clientid) const {
  const auto known = known_.find(clientid);
  if (known != known_.end()) return known->second;
  return static_cast<uint8_t>(std::hash<std::string>{}(clientid) % targets_);
}

}  // namespace hook_load
