// hook-load's requests as EMQX builds them: meta and clientinfo, message ids, request
// ids, the pools of serialized requests, the schedule of hooks, RPC request/response
// templates, and how a publish was answered.
#pragma once

#include <grpcpp/grpcpp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hook_load/fixture.h"
#include "hook_load/homes.h"
#include "hook_load/vocabulary.h"

namespace hook_load {

// What EMQX puts in every request's meta and clientinfo (`i` varies the peer).
void FillMeta(pb::RequestMeta* meta);
std::string PeerHost(size_t i);
void FillClientInfo(const std::string& clientid, const std::string& username, size_t i,
                    pb::ClientInfo* info, const std::string& cn = "", const std::string& dn = "");

// A hex GUID like EMQX's message ids, distinct per pool entry.
std::string MessageId(uint64_t high, uint64_t counter);

// An RPC request id shaped like the UUIDv4 a real sender uses (36 characters, so the
// server stores it as it would a real one): the run's nonce, the sender's slot, and a
// counter, so ids never repeat within or across runs.
std::string RequestId(const std::string& nonce, unsigned slot, uint64_t counter);

// A message.publish request as EMQX sends it: `e` varies the peer address.
pb::MessagePublishRequest MakePublishRequest(const std::string& topic, std::string payload,
                                             const std::string& from, const UsernameOf& username_of,
                                             size_t e, const std::string& message_id,
                                             uint64_t timestamp_ms);

// Wall-clock milliseconds since the epoch (message timestamps).
uint64_t NowMs();

// The serialized requests of each hook, each with the target it goes to (its client's
// home), and in static mode the topic of each publish.
struct Pools {
  std::array<std::vector<grpc::Slice>, kHookCount> requests;
  std::array<std::vector<uint8_t>, kHookCount> targets;
  std::vector<std::string> publish_topics;
};

// Builds the serialized requests of every hook with a positive weight: one per client
// (authenticate, connected, disconnected), per authorize entry, per publish entry,
// cycled up to `pool_size` so that each hook has that many distinct requests. Without
// `build_publish` (rpc mode builds publishes at call time) the publish pool stays empty.
Pools BuildPools(const Fixture& fixture, const Homes& homes,
                 const std::array<double, kHookCount>& weights, size_t pool_size, int payload_bytes,
                 bool build_publish);

// The order of hooks, drawn once: exact proportions of the weights, shuffled with a fixed
// seed so every run (baseline and hub) sends the same sequence.
std::vector<uint8_t> BuildSchedule(const std::array<double, kHookCount>& weights);

// True when an MQTT topic filter (with + and #) matches a topic.
bool TopicMatches(const std::string& filter, const std::string& topic);

// ---- RPC mode: request/response pairs with fresh ids ----

// The fixture's RPC requests, each with its device's response (same topic prefix, same
// "id"), as templates: a fresh request id goes between head and tail of each payload.
// Each publish goes to its sender's home target.
class RpcTemplates {
 public:
  RpcTemplates(const Fixture& fixture, const UsernameOf& username_of, const Homes& homes) {
    std::map<std::pair<std::string, std::string>, const Fixture::Publish*> responses;
    for (const Fixture::Publish& p : fixture.publish) {
      if (!p.topic.ends_with(kResponseSuffix)) continue;
      if (auto id = IdOf(p.payload)) {
        responses[{p.topic.substr(0, p.topic.size() - kResponseSuffix.size()), *id}] = &p;
      }
    }
    for (const Fixture::Publish& p : fixture.publish) {
      if (!p.topic.ends_with(kRequestSuffix)) continue;
      const auto id = IdOf(p.payload);
      if (!id) continue;
      const std::string base = p.topic.substr(0, p.topic.size() - kRequestSuffix.size());
      const auto response = responses.find({base, *id});
      if (response == responses.end()) continue;
      Pair pair;
      const Fixture::Publish* parts[2] = {&p, response->second};
      bool ok = true;
      for (int r = 0; r < 2; ++r) {
        const std::string& payload = parts[r]->payload;
        const std::string field = "\"id\":\"" + *id + "\"";
        const size_t at = payload.find(field);
        if (at == std::string::npos) {  // ids in another spelling: not usable as a template
          ok = false;
          break;
        }
        pair.head[r] = payload.substr(0, at + 6);
        pair.tail[r] = payload.substr(at + field.size() - 1);
        pair.topic[r] = parts[r]->topic;
        const std::string from = parts[r]->from;
        pair.target[r] = homes.Of(from);
        pair.proto[r] =
            MakePublishRequest(parts[r]->topic, "", from, username_of, pairs_.size(), "", 0);
      }
      if (ok) pairs_.push_back(std::move(pair));
    }
  }

  size_t size() const { return pairs_.size(); }
  const std::string& topic(size_t p, bool response) const { return pairs_[p].topic[response]; }
  uint8_t target(size_t p, bool response) const { return pairs_[p].target[response]; }

  // The serialized message.publish of pair p's request (or response) with request `id`.
  std::string Build(size_t p, bool response, std::string_view id, const std::string& message_id,
                    uint64_t timestamp_ms) const {
    const Pair& pair = pairs_[p];
    pb::MessagePublishRequest request = pair.proto[response];
    pb::Message* message = request.mutable_message();
    message->set_id(message_id);
    message->set_timestamp(timestamp_ms);
    std::string payload;
    payload.reserve(pair.head[response].size() + id.size() + pair.tail[response].size());
    payload.append(pair.head[response]).append(id).append(pair.tail[response]);
    message->set_payload(std::move(payload));
    return request.SerializeAsString();
  }

 private:
  static constexpr std::string_view kRequestSuffix = "/rpc/request";
  static constexpr std::string_view kResponseSuffix = "/rpc/response";

  struct Pair {
    std::string head[2], tail[2], topic[2];
    uint8_t target[2] = {0, 0};
    pb::MessagePublishRequest proto[2];  // all but id, timestamp and payload
  };

  static std::optional<std::string> IdOf(const std::string& payload) {
    try {
      const json doc = json::parse(payload);
      if (doc.is_object() && doc.contains("id") && doc["id"].is_string()) {
        return doc["id"].get<std::string>();
      }
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  std::vector<Pair> pairs_;
};

// How the server answered a publish sent on `topic` (see PublishAnswer).
PublishAnswer ClassifyPublish(const pb::ValuedResponse& valued, const std::string& topic);
PublishKind KindOfTopic(std::string_view topic);

}  // namespace hook_load
