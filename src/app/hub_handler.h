// HubHandler: the hub's hook logic, composed from the domain modules:
//   client.authenticate  devices by certificate fingerprint (auth/device_authenticator),
//                        users and services by JWT (auth/token_authenticator); the
//                        admitted principal is remembered per clientid (the session
//                        directory), which refuses a live clientid to any other
//                        principal;
//   client.authorize     the remembered principal against the ACL policy in force
//                        (acl/acl_policy, swapped by registry/acl_rules_view);
//   message.publish      device RPC checks and correlation (rpc/rpc_pipeline), and
//                        certificate renewal requests, queued to the RenewalWorker;
//   (a broker bridge's authorize and publish pass: its messages were decided by the
//   hub of the broker they entered through)
//   client.connected / client.disconnected   sessions and device presence.
// Answers come from memory: the fleet snapshot, the sessions, the pending table. With
// shared state (Redis) the directory and the RPC state make bounded round trips (an
// admission, a connect or disconnect, a session this hub has not cached, an RPC request
// or reply); the hooks' async forms hand those to the store and answer when it does,
// so no server thread waits for Redis. (Two rare lookups still wait: a disconnect of a
// client this hub never saw, and the presence count of a connect authenticated through
// another hub.) Nothing here touches the disk, and every failure denies. (Renewals are signed and
// stored on the worker's thread, never on a hook thread.) Thread-safe: called concurrently from the
// gRPC threads.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "app/renewal_worker.h"
#include "auth/device_authenticator.h"
#include "auth/session_directory.h"
#include "auth/token_authenticator.h"
#include "common/clock.h"
#include "common/log_throttle.h"
#include "hooks/hook_handler.h"
#include "model/fleet_snapshot.h"
#include "registry/acl_rules_view.h"
#include "registry/fleet_view.h"
#include "rpc/presence.h"
#include "rpc/rpc_pipeline.h"

namespace iothub::app {

// The modules the handler reads; all must outlive it.
struct HubParts {
  std::vector<hooks::HookSpec> hooks;
  const registry::FleetView& fleet;
  const auth::DeviceAuthenticator& devices;
  const auth::TokenAuthenticator& tokens;
  const registry::AclRulesView& acl;  // the policy in force, swapped when rules change
  auth::SessionDirectory& sessions;
  rpc::RpcPipeline& rpc;
  rpc::Presence& presence;
  LogThrottle& log_throttle;  // refusal lines of untrusted clients go through it
  const Clock& clock;
  // Certificate renewal over MQTT; null: renewal requests are dropped.
  RenewalWorker* renewals = nullptr;
};

class HubHandler final : public hooks::HookHandler {
 public:
  explicit HubHandler(HubParts parts) : parts_(std::move(parts)) {}

  // hooks::HookHandler: the async forms decide; the waiting ones wait for them.
  std::vector<hooks::HookSpec> OnProviderLoaded(const hooks::BrokerView& broker) override;
  void AuthenticateAsync(const hooks::ClientView& client, DecisionDone done) override;
  void AuthorizeAsync(const hooks::ClientView& client, hooks::AuthorizeAction action,
                      std::string_view topic, DecisionDone done) override;
  void PublishAsync(const hooks::MessageView& message, PublishDone done) override;
  void ConnectedAsync(const hooks::ClientView& client, NotifiedDone done) override;
  void DisconnectedAsync(const hooks::ClientView& client, std::string_view reason,
                         NotifiedDone done) override;
  hooks::Decision Authenticate(const hooks::ClientView& client) override;
  hooks::Decision Authorize(const hooks::ClientView& client, hooks::AuthorizeAction action,
                            std::string_view topic) override;
  hooks::PublishOutcome Publish(const hooks::MessageView& message) override;
  void Connected(const hooks::ClientView& client) override;
  void Disconnected(const hooks::ClientView& client, std::string_view reason) override;

 private:
  // The answers once the sessions answered (they never throw but by allocation
  // failure, which the continuations turn into a refusal).
  hooks::Decision Admitted(const hooks::ClientView& client, const auth::AuthResult& result,
                           const absl::StatusOr<auth::SessionDirectory::AdmitOutcome>& admitted);
  hooks::Decision Refused(const hooks::ClientView& client, std::string_view reason);
  hooks::Decision Authorized(std::string_view clientid, hooks::AuthorizeAction action,
                             std::string_view topic,
                             const absl::StatusOr<std::shared_ptr<const Principal>>& found);
  // This hub's presence of `principal`, when a device: `change` connections more (or
  // fewer, when negative).
  void CountDevice(const std::shared_ptr<const Principal>& principal, UnixMillis now,
                   int change) noexcept;
  // The answer for the topics the RPC pipeline does not decide (renewal requests,
  // bridged messages, the hub's timeout replies), or nullopt.
  std::optional<hooks::PublishOutcome> DecideBeforePipeline(
      const hooks::MessageView& message, const std::shared_ptr<const Principal>& principal);
  // The pipeline's decision as the hook's answer (logged, throttled, when refused).
  hooks::PublishOutcome Answered(const hooks::MessageView& message, rpc::PublishDecision decision);
  hooks::PublishOutcome SubmitRenewal(const hooks::MessageView& message, const Principal* publisher,
                                      std::string_view device);

  HubParts parts_;
};

}  // namespace iothub::app
