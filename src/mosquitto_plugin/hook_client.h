// HookClient: the calls the plugin makes to the hub, as synchronous unary gRPC calls with
// a deadline, on emqx.exhook.v2 or v3 (same messages). Every call stamps RequestMeta.
// Calls fail fast while the hub is unreachable; a background thread keeps (re)connecting
// the channel, so a hub that comes back is used at once without blocking Mosquitto.
// Thread-safe (gRPC stubs are), though the plugin only calls from Mosquitto's thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "exhook.pb.h"
#include "mosquitto_plugin/plugin_options.h"

namespace iothub::mosquitto_plugin {

class HookClient {
 public:
  virtual ~HookClient() = default;
  // True when the channel to the hub is connected (a call is likely to succeed).
  virtual bool Ready() = 0;
  virtual absl::StatusOr<emqx::exhook::v2::LoadedResponse> ProviderLoaded(
      emqx::exhook::v2::ProviderLoadedRequest request) = 0;
  virtual absl::Status ProviderUnloaded(emqx::exhook::v2::ProviderUnloadedRequest request) = 0;
  virtual absl::Status ClientConnected(emqx::exhook::v2::ClientConnectedRequest request) = 0;
  virtual absl::Status ClientDisconnected(emqx::exhook::v2::ClientDisconnectedRequest request) = 0;
  virtual absl::StatusOr<emqx::exhook::v2::ValuedResponse> ClientAuthenticate(
      emqx::exhook::v2::ClientAuthenticateRequest request) = 0;
  virtual absl::StatusOr<emqx::exhook::v2::ValuedResponse> ClientAuthorize(
      emqx::exhook::v2::ClientAuthorizeRequest request) = 0;
  virtual absl::StatusOr<emqx::exhook::v2::ValuedResponse> MessagePublish(
      emqx::exhook::v2::MessagePublishRequest request) = 0;
};

// A client on one channel to options.url (TLS when tls_ca is set, mTLS with tls_cert/key).
// The channel reconnects quickly (backoff <= 1 s) so a restarted hub is reachable at once.
// Errors when a TLS file cannot be read.
absl::StatusOr<std::unique_ptr<HookClient>> MakeGrpcHookClient(const PluginOptions& options,
                                                               emqx::exhook::v2::RequestMeta meta);

}  // namespace iothub::mosquitto_plugin
