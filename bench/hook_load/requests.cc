#include "hook_load/requests.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace hook_load {

void FillMeta(pb::RequestMeta* meta) {
  meta->set_node("emqx@127.0.0.1");
  meta->set_version("5.8.0");
  meta->set_sysdescr("EMQX");
  meta->set_cluster_name("emqxcl");
}

std::string PeerHost(size_t i) {
  return "10.0." + std::to_string((i / 250) % 250) + "." + std::to_string(i % 250 + 1);
}

void FillClientInfo(const std::string& clientid, const std::string& username, size_t i,
                    pb::ClientInfo* info, const std::string& cn, const std::string& dn) {
  info->set_node("emqx@127.0.0.1");
  info->set_cn(cn);
  info->set_dn(dn);
  info->set_clientid(clientid);
  info->set_username(username);
  info->set_peerhost(PeerHost(i));
  info->set_sockport(1883);
  info->set_protocol("mqtt");
  info->set_anonymous(true);
  info->set_peerport(static_cast<uint32_t>(20000 + i % 40000));
}

std::string MessageId(uint64_t high, uint64_t counter) {
  char id[33];
  std::snprintf(id, sizeof(id), "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(counter));
  return id;
}

std::string RequestId(const std::string& nonce, unsigned slot, uint64_t counter) {
  char id[40];
  std::snprintf(id, sizeof(id), "%.8s-%04x-4%03x-a%03x-%012llx", nonce.c_str(), slot & 0xFFFFu,
                static_cast<unsigned>((counter >> 60) & 0xFFFu), 0u,
                static_cast<unsigned long long>(counter & 0xFFFFFFFFFFFFull));
  return id;
}

pb::MessagePublishRequest MakePublishRequest(const std::string& topic, std::string payload,
                                             const std::string& from, const UsernameOf& username_of,
                                             size_t e, const std::string& message_id,
                                             uint64_t timestamp_ms) {
  pb::MessagePublishRequest request;
  pb::Message* message = request.mutable_message();
  message->set_node("emqx@127.0.0.1");
  message->set_id(message_id);
  message->set_qos(1);
  message->set_timestamp(timestamp_ms);
  message->set_topic(topic);
  message->set_payload(std::move(payload));
  message->set_from(from);
  auto& headers = *message->mutable_headers();
  const auto user = username_of.find(from);
  headers["username"] = user != username_of.end() ? user->second : from;
  headers["protocol"] = "mqtt";
  headers["peerhost"] = PeerHost(e);
  FillMeta(request.mutable_meta());
  return request;
}

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Pools BuildPools(const Fixture& fixture, const Homes& homes,
                 const std::array<double, kHookCount>& weights, size_t pool_size, int payload_bytes,
                 bool build_publish) {
  const UsernameOf username_of = UsernamesOf(fixture);
  const uint64_t id_high = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  const uint64_t now_ms = NowMs();

  Pools pools;
  for (int hook = 0; hook < kHookCount; ++hook) {
    if (weights[hook] <= 0 || (hook == kPublish && !build_publish)) continue;
    size_t entries = fixture.clients.size();
    if (hook == kAuthorize && !fixture.authorize.empty()) entries = fixture.authorize.size();
    if (hook == kPublish && !fixture.publish.empty()) entries = fixture.publish.size();
    const size_t count = std::max(entries, pool_size);
    pools.requests[hook].reserve(count);
    pools.targets[hook].reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const size_t e = i % entries;
      const Fixture::Client& client = fixture.clients[e % fixture.clients.size()];
      std::string bytes;
      std::string sender = client.clientid;  // whose home the call goes to
      switch (hook) {
        case kAuthenticate: {
          pb::ClientAuthenticateRequest request;
          FillClientInfo(client.clientid, client.username, e, request.mutable_clientinfo(),
                         client.cn, client.dn);
          request.mutable_clientinfo()->set_password(client.password);
          request.set_result(false);  // no built-in authenticator ran (see the reference)
          FillMeta(request.mutable_meta());
          bytes = request.SerializeAsString();
          break;
        }
        case kAuthorize: {
          pb::ClientAuthorizeRequest request;
          if (fixture.authorize.empty()) {  // a fixture without authorize: own telemetry
            FillClientInfo(client.clientid, client.username, e, request.mutable_clientinfo());
            request.set_type(pb::ClientAuthorizeRequest::PUBLISH);
            request.set_topic("clients/" + client.clientid + "/telemetry");
          } else {
            const Fixture::Authorize& a = fixture.authorize[e];
            sender = a.clientid;
            FillClientInfo(a.clientid, a.username, e, request.mutable_clientinfo());
            request.set_type(a.subscribe ? pb::ClientAuthorizeRequest::SUBSCRIBE
                                         : pb::ClientAuthorizeRequest::PUBLISH);
            request.set_topic(a.topic);
          }
          request.set_result(false);  // authorization.no_match = deny
          FillMeta(request.mutable_meta());
          bytes = request.SerializeAsString();
          break;
        }
        case kPublish: {
          std::string from = client.clientid, topic, payload;
          if (fixture.publish.empty()) {
            topic = "clients/" + client.clientid + "/telemetry";
            payload = Padded("{\"pad\":\"", "\"}", payload_bytes);
          } else {
            const Fixture::Publish& p = fixture.publish[e];
            if (!p.from.empty()) from = p.from;
            topic = p.topic;
            payload = p.payload;
          }
          bytes = MakePublishRequest(topic, std::move(payload), from, username_of, e,
                                     MessageId(id_high, i), now_ms + i)
                      .SerializeAsString();
          pools.publish_topics.push_back(topic);
          sender = from;
          break;
        }
        case kConnected: {
          pb::ClientConnectedRequest request;
          FillClientInfo(client.clientid, client.username, e, request.mutable_clientinfo());
          FillMeta(request.mutable_meta());
          bytes = request.SerializeAsString();
          break;
        }
        case kDisconnected: {
          pb::ClientDisconnectedRequest request;
          FillClientInfo(client.clientid, client.username, e, request.mutable_clientinfo());
          request.set_reason("normal");
          FillMeta(request.mutable_meta());
          bytes = request.SerializeAsString();
          break;
        }
      }
      pools.requests[hook].emplace_back(bytes);
      pools.targets[hook].push_back(homes.Of(sender));
    }
  }
  return pools;
}

std::vector<uint8_t> BuildSchedule(const std::array<double, kHookCount>& weights) {
  constexpr size_t kLength = 1 << 14;
  double total = 0;
  for (double w : weights) total += w;
  std::vector<uint8_t> schedule;
  for (int hook = 0; hook < kHookCount; ++hook) {
    const size_t n = static_cast<size_t>(weights[hook] / total * kLength + 0.5);
    schedule.insert(schedule.end(), n, static_cast<uint8_t>(hook));
  }
  std::mt19937 rng(42);
  std::shuffle(schedule.begin(), schedule.end(), rng);
  return schedule;
}

bool TopicMatches(const std::string& filter, const std::string& topic) {
  size_t f = 0, t = 0;
  while (true) {
    const size_t fe = std::min(filter.find('/', f), filter.size());
    const std::string_view level(filter.data() + f, fe - f);
    if (level == "#") return true;
    if (t > topic.size()) return false;
    const size_t te = std::min(topic.find('/', t), topic.size());
    if (level != "+" && level != std::string_view(topic.data() + t, te - t)) return false;
    const bool filter_done = fe == filter.size(), topic_done = te == topic.size();
    if (filter_done || topic_done) {
      if (filter_done && topic_done) return true;
      // "a/#" also matches "a".
      return topic_done && filter.compare(fe, std::string::npos, "/#") == 0;
    }
    f = fe + 1;
    t = te + 1;
  }
}

PublishAnswer ClassifyPublish(const pb::ValuedResponse& valued, const std::string& topic) {
  if (valued.type() == pb::ValuedResponse::STOP_AND_RETURN) {
    if (valued.value_case() == pb::ValuedResponse::kMessage) {
      const auto& headers = valued.message().headers();
      const auto allow = headers.find("allow_publish");
      if (allow != headers.end() && allow->second == "false") return kDropped;
    }
    return kStopped;
  }
  if (valued.value_case() == pb::ValuedResponse::kMessage && valued.message().topic() != topic) {
    return kRewritten;
  }
  return kPassed;
}

PublishKind KindOfTopic(std::string_view topic) {
  if (topic.ends_with("/rpc/request")) return kRequestPublish;
  if (topic.ends_with("/rpc/response")) return kResponsePublish;
  return kOtherPublish;
}

}  // namespace hook_load
