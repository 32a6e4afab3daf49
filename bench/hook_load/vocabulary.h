// hook-load's vocabulary: the hooks it drives, gRPC status names, the answer kinds it
// counts. Shared by every part of hook-load.
#pragma once

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "exhook.pb.h"

namespace hook_load {

namespace pb = emqx::exhook::v2;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// ---- The hooks the generator drives ----

enum Hook : int { kAuthenticate, kAuthorize, kPublish, kConnected, kDisconnected, kHookCount };

struct HookInfo {
  const char* mix_name;  // the key in --mix
  const char* name;      // the hook name as EMQX spells it (and as the JSON reports it)
  const char* rpc;       // the rpc of HookProvider
  bool valued;           // answered with a ValuedResponse (else EmptySuccess)
};

constexpr std::array<HookInfo, kHookCount> kHooks = {{
    {"authenticate", "client.authenticate", "OnClientAuthenticate", true},
    {"authorize", "client.authorize", "OnClientAuthorize", true},
    {"publish", "message.publish", "OnMessagePublish", true},
    {"connected", "client.connected", "OnClientConnected", false},
    {"disconnected", "client.disconnected", "OnClientDisconnected", false},
}};

constexpr std::array<const char*, 17> kStatusNames = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// What a ValuedResponse said: type (3) x value (none, true, false, message).
constexpr int kOutcomeCount = 12;
inline std::string OutcomeName(int outcome) {
  static constexpr std::array<const char*, 3> kTypes = {"continue", "ignore", "stop_and_return"};
  static constexpr std::array<const char*, 4> kValues = {"", ":true", ":false", ":message"};
  return std::string(kTypes[outcome / 4]) + kValues[outcome % 4];
}

// How the server answered a message.publish (a ValuedResponse) for a message sent on
// `topic`: let through unchanged (CONTINUE or IGNORE), rewritten (another topic: the hub
// answers an invalid request at once), dropped (allow_publish = false), or another
// STOP_AND_RETURN.
enum PublishAnswer : int { kPassed, kRewritten, kDropped, kStopped, kPublishAnswerCount };
constexpr std::array<const char*, kPublishAnswerCount> kPublishAnswerNames = {"pass", "rewrite",
                                                                              "drop", "stop"};
// What a publish was: other (static mode), an RPC request or an RPC response.
enum PublishKind : int { kOtherPublish, kRequestPublish, kResponsePublish, kPublishKindCount };
constexpr std::array<const char*, kPublishKindCount> kPublishKindNames = {"other", "request",
                                                                          "response"};

}  // namespace hook_load
