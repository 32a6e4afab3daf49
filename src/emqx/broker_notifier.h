// BrokerNotifier: how the hub makes a change act at once on a live broker. Registry and
// hub code call it unconditionally after bind, unbind, revoke or plan change; whether
// anything reaches a broker depends on the implementation:
//   NullBrokerNotifier  does nothing (no broker API configured);
//   EmqxBrokerAdmin     calls EMQX's REST API from a background worker.
//
// Contract for every implementation: calls never block the caller (no network I/O on
// the caller's thread), never fail the change, and are thread-safe.
#pragma once

#include <string>

namespace iothub::emqx {

class BrokerNotifier {
 public:
  virtual ~BrokerNotifier() = default;

  // Disconnects the client's live session, if any (after revoke). Returns at once.
  virtual void KickClient(std::string clientid) = 0;
  // Drops the broker's cached authorization decisions for every client, so the next
  // publish or subscribe asks the hub again (after bind, unbind, revoke, plan change).
  // Returns at once.
  virtual void ClearAuthzCache() = 0;
};

// The notifier used when no broker API is configured.
class NullBrokerNotifier final : public BrokerNotifier {
 public:
  // BrokerNotifier
  void KickClient(std::string) override {}
  void ClearAuthzCache() override {}
};

}  // namespace iothub::emqx
