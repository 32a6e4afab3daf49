// HookHandler: the hub's answers to the broker's hooks, free of any transport. The gRPC
// layer (exhook_dispatcher) translates protobuf into the views of hook_types.h and calls
// it; the Mosquitto plugin and the tests reach the same logic through the same calls.
//
// Thread-safety: implementations are called concurrently from the server's threads and
// must not block on the disk; a round trip to shared state (Redis) is bounded in time,
// and message.publish's (the hot one) answers through PublishAsync without waiting.
#pragma once

#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "hooks/hook_types.h"

namespace iothub::hooks {

class HookHandler {
 public:
  virtual ~HookHandler() = default;

  // The hooks to register (OnProviderLoaded), and a note of which broker loaded us.
  virtual std::vector<HookSpec> OnProviderLoaded(const BrokerView& broker) = 0;

  virtual Decision Authenticate(const ClientView& client) = 0;
  virtual Decision Authorize(const ClientView& client, AuthorizeAction action,
                             std::string_view topic) = 0;
  virtual PublishOutcome Publish(const MessageView& message) = 0;
  virtual void Connected(const ClientView& client) = 0;
  virtual void Disconnected(const ClientView& client, std::string_view reason) = 0;

  // The hooks above answering later, from another thread, so that no server thread
  // waits for shared state: `done` runs exactly once and must not throw; the views
  // must stay valid until then. Allocation failure, the one exception, is thrown only
  // before `done` was handed on, which then never runs (the caller fails closed). The
  // defaults answer at once through the waiting forms.
  using DecisionDone = absl::AnyInvocable<void(Decision)>;
  using PublishDone = absl::AnyInvocable<void(PublishOutcome)>;
  using NotifiedDone = absl::AnyInvocable<void()>;
  virtual void AuthenticateAsync(const ClientView& client, DecisionDone done) {
    done(Authenticate(client));
  }
  virtual void AuthorizeAsync(const ClientView& client, AuthorizeAction action,
                              std::string_view topic, DecisionDone done) {
    done(Authorize(client, action, topic));
  }
  virtual void PublishAsync(const MessageView& message, PublishDone done) {
    done(Publish(message));
  }
  virtual void ConnectedAsync(const ClientView& client, NotifiedDone done) {
    Connected(client);
    done();
  }
  virtual void DisconnectedAsync(const ClientView& client, std::string_view reason,
                                 NotifiedDone done) {
    Disconnected(client, reason);
    done();
  }
};

}  // namespace iothub::hooks
