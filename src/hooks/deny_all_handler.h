// DenyAllHandler: the fail-closed hook logic of a hub without identity: every client and
// every topic is refused, and publishes pass unchanged. It registers the configured hooks.
// Thread-safe (immutable).
#pragma once

#include <string>
#include <vector>

#include "hooks/hook_handler.h"

namespace iothub::hooks {

class DenyAllHandler final : public HookHandler {
 public:
  explicit DenyAllHandler(std::vector<HookSpec> hooks) : hooks_(std::move(hooks)) {}

  std::vector<HookSpec> OnProviderLoaded(const BrokerView&) override { return hooks_; }
  Decision Authenticate(const ClientView&) override { return {false, "no identity configured"}; }
  Decision Authorize(const ClientView&, AuthorizeAction, std::string_view) override {
    return {false, "no identity configured"};
  }
  PublishOutcome Publish(const MessageView&) override { return {}; }
  void Connected(const ClientView&) override {}
  void Disconnected(const ClientView&, std::string_view) override {}

 private:
  std::vector<HookSpec> hooks_;
};

}  // namespace iothub::hooks
