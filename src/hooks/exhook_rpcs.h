// The 21 rpcs of the ExHook HookProvider service, listed once (X-macro) so that the
// server, the dispatcher and the metrics are generated from one table and cannot drift.
// Columns: rpc name, request message, response message, hook name as EMQX spells it.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#define IOTHUB_EXHOOK_RPCS(X)                                                                \
  X(OnProviderLoaded, ProviderLoadedRequest, LoadedResponse, "provider.loaded")              \
  X(OnProviderUnloaded, ProviderUnloadedRequest, EmptySuccess, "provider.unloaded")          \
  X(OnClientConnect, ClientConnectRequest, EmptySuccess, "client.connect")                   \
  X(OnClientConnack, ClientConnackRequest, EmptySuccess, "client.connack")                   \
  X(OnClientConnected, ClientConnectedRequest, EmptySuccess, "client.connected")             \
  X(OnClientDisconnected, ClientDisconnectedRequest, EmptySuccess, "client.disconnected")    \
  X(OnClientAuthenticate, ClientAuthenticateRequest, ValuedResponse, "client.authenticate")  \
  X(OnClientAuthorize, ClientAuthorizeRequest, ValuedResponse, "client.authorize")           \
  X(OnClientSubscribe, ClientSubscribeRequest, EmptySuccess, "client.subscribe")             \
  X(OnClientUnsubscribe, ClientUnsubscribeRequest, EmptySuccess, "client.unsubscribe")       \
  X(OnSessionCreated, SessionCreatedRequest, EmptySuccess, "session.created")                \
  X(OnSessionSubscribed, SessionSubscribedRequest, EmptySuccess, "session.subscribed")       \
  X(OnSessionUnsubscribed, SessionUnsubscribedRequest, EmptySuccess, "session.unsubscribed") \
  X(OnSessionResumed, SessionResumedRequest, EmptySuccess, "session.resumed")                \
  X(OnSessionDiscarded, SessionDiscardedRequest, EmptySuccess, "session.discarded")          \
  X(OnSessionTakenover, SessionTakenoverRequest, EmptySuccess, "session.takenover")          \
  X(OnSessionTerminated, SessionTerminatedRequest, EmptySuccess, "session.terminated")       \
  X(OnMessagePublish, MessagePublishRequest, ValuedResponse, "message.publish")              \
  X(OnMessageDelivered, MessageDeliveredRequest, EmptySuccess, "message.delivered")          \
  X(OnMessageDropped, MessageDroppedRequest, EmptySuccess, "message.dropped")                \
  X(OnMessageAcked, MessageAckedRequest, EmptySuccess, "message.acked")

namespace iothub::hooks {

enum class Rpc : std::size_t {
#define IOTHUB_RPC_ENUM(name, req, resp, hook) k##name,
  IOTHUB_EXHOOK_RPCS(IOTHUB_RPC_ENUM)
#undef IOTHUB_RPC_ENUM
};

inline constexpr std::size_t kRpcCount = 21;

// The hook name of an rpc ("client.authenticate", ...), used in logs and metric labels.
constexpr std::string_view HookName(Rpc rpc) {
  constexpr std::array<std::string_view, kRpcCount> kNames = {
#define IOTHUB_RPC_NAME(name, req, resp, hook) hook,
      IOTHUB_EXHOOK_RPCS(IOTHUB_RPC_NAME)
#undef IOTHUB_RPC_NAME
  };
  return kNames[static_cast<std::size_t>(rpc)];
}

}  // namespace iothub::hooks
