// hook-load: a closed-loop load generator of ExHook calls, standing in for EMQX.
//
// It sends OnProviderLoaded once (and checks the answer parses), then keeps
// --concurrency unary calls outstanding over --channels HTTP/2 connections: each
// completion issues the next call at once. The hooks are drawn from --mix; every request
// is serialized before the run (a pool per hook with distinct client ids and message
// ids), so the client's own cost per call is little more than gRPC's. Latencies are
// recorded per client thread and merged at the end; the calls counted are those that
// complete inside the measured window (after --warmup-s, for --duration-s).
//
// With --server-pid, the server's CPU time over the window (/proc/PID/stat) is divided by
// the calls: the figure least disturbed by other load on a shared machine; the server's
// resident memory (VmRSS) is also sampled at each phase below.
//
// Phases, in order (each optional but the load):
//  1. --prime: client.authenticate once for every fixture client, then client.connected
//     (--prime-connections times) for those admitted, as EMQX does when they connect: a
//     server that keeps sessions (the hub) only authorizes and routes RPC for clients it
//     admitted and saw connect. Reports how many were admitted.
//  2. --prefill N: N RPC requests with fresh ids, spread over the fixture's
//     (user, device) pairs, sent once and left unanswered: the server then holds about N
//     pending requests during the window. --drain (default on) answers them, and the
//     loop's requests still unanswered, after the window, so that the next run starts
//     from the same state (nothing left to time out).
//  3. warm-up and the measured window (the closed loop).
// --metrics-url http://H:P/metrics scrapes the --metric gauges (default
// iothub_rpc_pending) after each phase; --setup-only stops after phase 2.
//
// Publishes: in rpc mode (--publish-mode rpc, or auto with a --fixture whose requests
// have matching responses) each message.publish is built at call time from the fixture's
// (request, response) pairs with a fresh request id and Message.id: requests and
// responses alternate, and a response is sent only for a request the server let through.
// Ids are unique per run (a random nonce), so no call is a duplicate, a dedupe-cache hit
// or a reply to an already answered request. Static mode cycles the pre-serialized
// fixture publishes as they are (ids repeat once the pool wraps).
//
//   hook-load --target 127.0.0.1:9000 --service v2 --concurrency 64 --duration-s 10 --json
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exhook.pb.h"

namespace {

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
std::string OutcomeName(int outcome) {
  static constexpr std::array<const char*, 3> kTypes = {"continue", "ignore", "stop_and_return"};
  static constexpr std::array<const char*, 4> kValues = {"", ":true", ":false", ":message"};
  return std::string(kTypes[outcome / 4]) + kValues[outcome % 4];
}

// ---- Options ----

struct Options {
  std::string target = "127.0.0.1:9000";
  std::string service = "v2";
  int concurrency = 64;
  int channels = 1;
  double duration_s = 10;
  double warmup_s = 2;
  int threads = 1;
  int clients = 10000;
  int payload_bytes = 256;
  std::string mix = "authenticate=5,authorize=45,publish=40,connected=5,disconnected=5";
  std::string fixture;
  int server_pid = 0;
  int timeout_ms = 5000;  // sent as grpc-timeout, like EMQX's request_timeout
  bool json_only = false;
  bool prime = false;
  int prime_connections = 1;
  int prefill = 0;
  bool drain = true;
  bool setup_only = false;
  std::string publish_mode = "auto";  // auto, rpc, static
  std::string metrics_url;
  std::vector<std::string> metrics = {"iothub_rpc_pending"};
};

// Parses "name=weight,..." into one weight per hook; unknown names are an error.
std::optional<std::array<double, kHookCount>> ParseMix(const std::string& text,
                                                       std::string* error) {
  std::array<double, kHookCount> weights{};
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const auto hook = std::find_if(kHooks.begin(), kHooks.end(),
                                   [&](const HookInfo& h) { return name == h.mix_name; });
    if (eq == std::string::npos || hook == kHooks.end()) {
      *error =
          "--mix: expected name=weight with name in authenticate, authorize, publish, "
          "connected, disconnected; got '" +
          item + "'";
      return std::nullopt;
    }
    try {
      weights[hook - kHooks.begin()] = std::stod(item.substr(eq + 1));
    } catch (const std::exception&) {
      *error = "--mix: bad weight in '" + item + "'";
      return std::nullopt;
    }
  }
  double total = 0;
  for (double w : weights) total += w < 0 ? -1e9 : w;
  if (total <= 0) {
    *error = "--mix: weights must be >= 0 with a positive sum";
    return std::nullopt;
  }
  return weights;
}

// ---- Fixture: who connects and what they publish ----

// The input the requests are built from: a --fixture file (real devices and users of the
// hub), or a synthetic one.
struct Fixture {
  struct Client {
    std::string clientid, username, password, kind;
    std::string cn, dn;  // devices: their certificate's subject, as EMQX sends it
  };
  struct Publish {
    std::string topic, payload, from;
  };
  struct Authorize {
    std::string clientid, username, topic;
    bool subscribe = false;
  };
  std::vector<Client> clients;
  std::vector<Publish> publish;
  std::vector<Authorize> authorize;
};

std::string Padded(std::string prefix, const std::string& suffix, int bytes) {
  const int pad = bytes - static_cast<int>(prefix.size() + suffix.size());
  if (pad > 0) prefix.append(pad, 'x');
  return prefix + suffix;
}

// Synthetic clients: device bench-client-<i> owns users/u<i>/devices/d<i>; the app user
// bench-user-<i> sends it RPC requests. Only RPC topics are published, because those are
// the only ones the hub's message.publish filters let EMQX send; telemetry appears in
// authorize. --payload-bytes sizes the RPC responses (requests are a fixed small shape).
Fixture SyntheticFixture(int clients, int payload_bytes) {
  Fixture fixture;
  for (int i = 0; i < clients; ++i) {
    const std::string n = std::to_string(i);
    const std::string device = "bench-client-" + n;
    const std::string base = "users/u" + n + "/devices/d" + n;
    fixture.clients.push_back({device, device, "bench-password-" + n, "device", "", ""});
    fixture.publish.push_back({base + "/rpc/request",
                               R"({"id":"b)" + n + R"(","method":"getDeviceState"})",
                               "bench-user-" + n});
    fixture.publish.push_back(
        {base + "/rpc/response",
         Padded(R"({"id":"b)" + n + R"(","result":{"state":"ok","pad":")", "\"}}", payload_bytes),
         device});
    switch (i % 3) {
      case 0:
        fixture.authorize.push_back({device, device, base + "/telemetry", false});
        break;
      case 1:
        fixture.authorize.push_back({device, device, base + "/rpc/request", true});
        break;
      default:
        fixture.authorize.push_back({device, device, base + "/rpc/response", false});
    }
  }
  return fixture;
}

std::optional<Fixture> LoadFixture(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read fixture " + path;
    return std::nullopt;
  }
  try {
    const json doc = json::parse(in);
    Fixture fixture;
    for (const json& c : doc.value("clients", json::array())) {
      fixture.clients.push_back({c.at("clientid").get<std::string>(), c.value("username", ""),
                                 c.value("password", ""), c.value("kind", "device"),
                                 c.value("cn", ""), c.value("dn", "")});
    }
    for (const json& p : doc.value("publish", json::array())) {
      fixture.publish.push_back(
          {p.at("topic").get<std::string>(), p.value("payload", ""), p.value("from", "")});
    }
    for (const json& a : doc.value("authorize", json::array())) {
      fixture.authorize.push_back({a.at("clientid").get<std::string>(), a.value("username", ""),
                                   a.at("topic").get<std::string>(),
                                   a.value("type", "publish") == "subscribe"});
    }
    if (fixture.clients.empty()) {
      *error = "fixture " + path + " has no clients";
      return std::nullopt;
    }
    return fixture;
  } catch (const std::exception& e) {
    *error = "fixture " + path + ": " + e.what();
    return std::nullopt;
  }
}

// ---- Requests, serialized before the run ----

// What EMQX puts in every request's meta and clientinfo.
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
                    pb::ClientInfo* info, const std::string& cn = "", const std::string& dn = "") {
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

// A hex GUID like EMQX's message ids, distinct per pool entry.
std::string MessageId(uint64_t high, uint64_t counter) {
  char id[33];
  std::snprintf(id, sizeof(id), "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(counter));
  return id;
}

// An RPC request id shaped like the UUIDv4 a real sender uses (36 characters, so the
// server stores it as it would a real one): the run's nonce, the sender's slot, and a
// counter, so ids never repeat within or across runs.
std::string RequestId(const std::string& nonce, unsigned slot, uint64_t counter) {
  char id[40];
  std::snprintf(id, sizeof(id), "%.8s-%04x-4%03x-a%03x-%012llx", nonce.c_str(), slot & 0xFFFFu,
                static_cast<unsigned>((counter >> 60) & 0xFFFu), 0u,
                static_cast<unsigned long long>(counter & 0xFFFFFFFFFFFFull));
  return id;
}

// The username each fixture client connects with (EMQX copies it into every message's
// headers).
using UsernameOf = std::map<std::string, std::string>;
UsernameOf UsernamesOf(const Fixture& fixture) {
  UsernameOf username_of;
  for (const Fixture::Client& c : fixture.clients) username_of[c.clientid] = c.username;
  return username_of;
}

// A message.publish request as EMQX sends it: `e` varies the peer address.
pb::MessagePublishRequest MakePublishRequest(const std::string& topic, std::string payload,
                                             const std::string& from,
                                             const UsernameOf& username_of, size_t e,
                                             const std::string& message_id,
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

// Builds the serialized requests of every hook with a positive weight: one per client
// (authenticate, connected, disconnected), per authorize entry, per publish entry,
// cycled up to `pool_size` so that each hook has that many distinct requests. The topic
// of each publish pool entry goes to `publish_topics`. Without `build_publish` (rpc mode
// builds publishes at call time) the publish pool stays empty.
std::array<std::vector<grpc::Slice>, kHookCount> BuildPools(
    const Fixture& fixture, const std::array<double, kHookCount>& weights, size_t pool_size,
    int payload_bytes, bool build_publish, std::vector<std::string>* publish_topics) {
  const UsernameOf username_of = UsernamesOf(fixture);
  const uint64_t id_high = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  const uint64_t now_ms = NowMs();

  std::array<std::vector<grpc::Slice>, kHookCount> pools;
  for (int hook = 0; hook < kHookCount; ++hook) {
    if (weights[hook] <= 0 || (hook == kPublish && !build_publish)) continue;
    size_t entries = fixture.clients.size();
    if (hook == kAuthorize && !fixture.authorize.empty()) entries = fixture.authorize.size();
    if (hook == kPublish && !fixture.publish.empty()) entries = fixture.publish.size();
    const size_t count = std::max(entries, pool_size);
    pools[hook].reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const size_t e = i % entries;
      const Fixture::Client& client = fixture.clients[e % fixture.clients.size()];
      std::string bytes;
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
          publish_topics->push_back(topic);
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
      pools[hook].emplace_back(bytes);
    }
  }
  return pools;
}

// The order of hooks, drawn once: exact proportions of the weights, shuffled with a fixed
// seed so every run (baseline and hub) sends the same sequence.
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

// True when an MQTT topic filter (with + and #) matches a topic.
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

// ---- RPC mode: request/response pairs with fresh ids ----

// The fixture's RPC requests, each with its device's response (same topic prefix, same
// "id"), as templates: a fresh request id goes between head and tail of each payload.
class RpcTemplates {
 public:
  RpcTemplates(const Fixture& fixture, const UsernameOf& username_of) {
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
        pair.proto[r] = MakePublishRequest(parts[r]->topic, "", from, username_of, pairs_.size(),
                                           "", 0);
      }
      if (ok) pairs_.push_back(std::move(pair));
    }
  }

  size_t size() const { return pairs_.size(); }
  const std::string& topic(size_t p, bool response) const { return pairs_[p].topic[response]; }

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

// How the server answered a message.publish (a ValuedResponse) for a message sent on
// `topic`: let through unchanged (CONTINUE or IGNORE), rewritten (another topic: the hub
// answers an invalid request at once), dropped (allow_publish = false), or another
// STOP_AND_RETURN.
enum PublishAnswer : int { kPassed, kRewritten, kDropped, kStopped, kPublishAnswerCount };
constexpr std::array<const char*, kPublishAnswerCount> kPublishAnswerNames = {
    "pass", "rewrite", "drop", "stop"};
// What a publish was: other (static mode), an RPC request or an RPC response.
enum PublishKind : int { kOtherPublish, kRequestPublish, kResponsePublish, kPublishKindCount };
constexpr std::array<const char*, kPublishKindCount> kPublishKindNames = {"other", "request",
                                                                          "response"};

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

// ---- The load ----

// Counters and latencies of one client thread; merged after the run.
struct ThreadStats {
  std::array<std::vector<int64_t>, kHookCount> latency_ns;
  std::array<std::array<uint64_t, kStatusNames.size()>, kHookCount> status{};
  std::array<std::array<uint64_t, kOutcomeCount>, kHookCount> outcomes{};
  std::array<std::array<uint64_t, kPublishAnswerCount>, kPublishKindCount> publish{};
};

// One outstanding call: a slot of the closed loop, reused for each next call.
struct Call {
  grpc::GenericStub* stub = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  grpc::ByteBuffer response;
  grpc::Status status;
  int hook = 0;
  Clock::time_point start;
  // Publishes: what was sent.
  const std::string* topic = nullptr;
  PublishKind kind = kOtherPublish;
  size_t pair = 0;     // rpc mode
  std::string rpc_id;  // rpc mode: the request id
};

// What every worker shares, read-only.
struct LoadPlan {
  const std::vector<uint8_t>& schedule;
  const std::array<std::vector<grpc::Slice>, kHookCount>& pools;
  const std::vector<std::string>& publish_topics;  // static mode, per publish pool entry
  const RpcTemplates* rpc;                          // rpc mode; nullptr in static mode
  const std::string& nonce;                         // unique per run: in ids
  const std::array<std::string, kHookCount>& methods;
  std::chrono::milliseconds timeout;
};

// A client thread: its own completion queue and its share of the outstanding calls.
class Worker {
 public:
  Worker(int index, int threads, const LoadPlan& plan) : plan_(plan), index_(index) {
    // Start each thread at a different point of the schedule and of the pools.
    position_ = plan.schedule.size() * index / threads;
    for (int h = 0; h < kHookCount; ++h) next_[h] = plan.pools[h].size() * index / threads;
    if (plan.rpc != nullptr) next_pair_ = plan.rpc->size() * index / threads;
    message_high_ = (std::hash<std::string>{}(plan.nonce) << 8) ^ static_cast<uint64_t>(index);
  }

  void AddCall(grpc::GenericStub* stub) {
    calls_.push_back(std::make_unique<Call>());
    calls_.back()->stub = stub;
  }

  // Runs the closed loop until `end`, recording the calls that complete in [begin, end).
  void Run(Clock::time_point begin, Clock::time_point end) {
    for (auto& call : calls_) Issue(call.get());
    size_t outstanding = calls_.size();
    pb::ValuedResponse valued;
    void* tag = nullptr;
    bool ok = false;
    while (outstanding > 0 && queue_.Next(&tag, &ok)) {
      const Clock::time_point now = Clock::now();
      Call* call = static_cast<Call*>(tag);
      const bool in_window = now >= begin && now < end;
      const bool parsed = (in_window || call->hook == kPublish) && Parse(*call, &valued);
      if (call->hook == kPublish && parsed) OnPublishAnswer(*call, valued, in_window);
      if (in_window) Record(*call, now, parsed ? &valued : nullptr);
      if (now < end) {
        Issue(call);
      } else {
        --outstanding;
      }
    }
    queue_.Shutdown();
    while (queue_.Next(&tag, &ok)) {
    }
  }

  ThreadStats& stats() { return stats_; }
  // rpc mode: requests let through whose responses were not sent before the end.
  std::deque<std::pair<size_t, std::string>>& unanswered() { return replies_; }

 private:
  void Issue(Call* call) {
    const int hook = plan_.schedule[position_];
    position_ = position_ + 1 == plan_.schedule.size() ? 0 : position_ + 1;
    call->hook = hook;
    call->reader.reset();  // lives in the previous call's arena: before its context goes
    call->context = std::make_unique<grpc::ClientContext>();
    call->response.Clear();

    grpc::Slice slice;
    if (hook == kPublish && plan_.rpc != nullptr) {
      slice = grpc::Slice(NextRpcPublish(call));
    } else {
      const std::vector<grpc::Slice>& pool = plan_.pools[hook];
      slice = pool[next_[hook]];
      if (hook == kPublish) {
        call->topic = &plan_.publish_topics[next_[hook]];
        call->kind = KindOfTopic(*call->topic);
      }
      next_[hook] = next_[hook] + 1 == pool.size() ? 0 : next_[hook] + 1;
    }

    call->start = Clock::now();
    call->context->set_deadline(std::chrono::system_clock::now() + plan_.timeout);
    const grpc::ByteBuffer request(&slice, 1);
    call->reader =
        call->stub->PrepareUnaryCall(call->context.get(), plan_.methods[hook], request, &queue_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  // rpc mode: the next publish, alternately a new request (fresh id, next pair) and the
  // response to the oldest request the server let through.
  std::string NextRpcPublish(Call* call) {
    const RpcTemplates& rpc = *plan_.rpc;
    const bool respond = reply_turn_ && !replies_.empty();
    reply_turn_ = !reply_turn_;
    const std::string message_id = MessageId(message_high_, ++message_counter_);
    if (respond) {
      call->pair = replies_.front().first;
      call->rpc_id = std::move(replies_.front().second);
      replies_.pop_front();
      call->kind = kResponsePublish;
    } else {
      call->pair = next_pair_;
      next_pair_ = next_pair_ + 1 == rpc.size() ? 0 : next_pair_ + 1;
      call->rpc_id = RequestId(plan_.nonce, static_cast<unsigned>(index_), ++request_counter_);
      call->kind = kRequestPublish;
    }
    const bool response = call->kind == kResponsePublish;
    call->topic = &rpc.topic(call->pair, response);
    return rpc.Build(call->pair, response, call->rpc_id, message_id, NowMs());
  }

  bool Parse(Call& call, pb::ValuedResponse* valued) {
    if (!call.status.ok() || !kHooks[call.hook].valued) return false;
    grpc::ProtoBufferReader reader(&call.response);
    return valued->ParseFromZeroCopyStream(&reader);
  }

  void OnPublishAnswer(Call& call, const pb::ValuedResponse& valued, bool in_window) {
    const PublishAnswer answer = ClassifyPublish(valued, *call.topic);
    if (in_window) ++stats_.publish[call.kind][answer];
    // A request the server let through now waits for its device's response.
    if (plan_.rpc != nullptr && call.kind == kRequestPublish && answer == kPassed) {
      replies_.emplace_back(call.pair, std::move(call.rpc_id));
    }
  }

  void Record(Call& call, Clock::time_point now, const pb::ValuedResponse* valued) {
    const int hook = call.hook;
    stats_.latency_ns[hook].push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - call.start).count());
    const int code = static_cast<int>(call.status.error_code());
    ++stats_.status[hook][code < static_cast<int>(kStatusNames.size()) ? code : 2];
    if (valued == nullptr) return;
    int value = 0;
    if (valued->value_case() == pb::ValuedResponse::kBoolResult) {
      value = valued->bool_result() ? 1 : 2;
    } else if (valued->value_case() == pb::ValuedResponse::kMessage) {
      value = 3;
    }
    const int type = std::clamp(static_cast<int>(valued->type()), 0, 2);
    ++stats_.outcomes[hook][type * 4 + value];
  }

  const LoadPlan& plan_;
  const int index_;
  size_t position_ = 0;
  std::array<size_t, kHookCount> next_{};
  // rpc mode
  size_t next_pair_ = 0;
  bool reply_turn_ = false;
  uint64_t message_high_ = 0, message_counter_ = 0, request_counter_ = 0;
  std::deque<std::pair<size_t, std::string>> replies_;

  std::vector<std::unique_ptr<Call>> calls_;
  grpc::CompletionQueue queue_;
  ThreadStats stats_;
};

// ---- Helpers ----

// utime + stime of a process in microseconds, from /proc/PID/stat (fields 14 and 15).
std::optional<double> ProcessCpuUs(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      return static_cast<double>(utime + stime) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

// Resident memory of a process in kB (VmRSS in /proc/PID/status).
std::optional<long> ProcessRssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return std::nullopt;
}

// GET of a Prometheus text page; the sum of each named metric's samples (all labels), or
// null for a metric the page does not have. An object with "error" when the GET fails.
json ScrapeMetrics(const std::string& url, const std::vector<std::string>& names) {
  static const std::regex kUrl(R"(http://([^/:]+):([0-9]+)(/.*)?)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return {{"error", "expected http://HOST:PORT/PATH"}};
  httplib::Client client(m[1].str(), std::stoi(m[2].str()));
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  const auto response = client.Get(m[3].matched ? m[3].str() : "/metrics");
  if (!response || response->status != 200) {
    return {{"error", response ? "HTTP " + std::to_string(response->status)
                               : httplib::to_string(response.error())}};
  }
  json out = json::object();
  for (const std::string& name : names) out[name] = nullptr;
  std::istringstream page(response->body);
  std::string line;
  while (std::getline(page, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    const size_t value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    const std::string name = line.substr(0, name_end);
    if (!out.contains(name)) continue;
    try {
      const double value = std::stod(line.substr(value_at + 1));
      out[name] = (out[name].is_null() ? 0.0 : out[name].get<double>()) + value;
    } catch (const std::exception&) {
    }
  }
  return out;
}

// One pass over `requests` (serialized) to `method`, at most `concurrency` in flight over
// the stubs: the set-up phases (prime, prefill, drain). Per request: the status and, for
// a valued hook, the parsed answer.
struct OnceResult {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::optional<pb::ValuedResponse> valued;
};
std::vector<OnceResult> RunOnce(const std::vector<std::unique_ptr<grpc::GenericStub>>& stubs,
                                const std::string& method, const std::vector<std::string>& requests,
                                bool valued, int concurrency, std::chrono::milliseconds timeout) {
  struct Slot {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    grpc::ByteBuffer response;
    grpc::Status status;
    size_t index = 0;
  };
  std::vector<OnceResult> results(requests.size());
  std::vector<Slot> slots(std::min<size_t>(static_cast<size_t>(concurrency), requests.size()));
  grpc::CompletionQueue queue;
  size_t next = 0, done = 0;
  auto issue = [&](Slot& slot) {
    slot.index = next++;
    slot.reader.reset();
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() + timeout);
    slot.response.Clear();
    const grpc::Slice slice(requests[slot.index]);
    const grpc::ByteBuffer buffer(&slice, 1);
    slot.reader = stubs[slot.index % stubs.size()]->PrepareUnaryCall(slot.context.get(), method,
                                                                      buffer, &queue);
    slot.reader->StartCall();
    slot.reader->Finish(&slot.response, &slot.status, &slot);
  };
  for (Slot& slot : slots) issue(slot);
  void* tag = nullptr;
  bool ok = false;
  while (done < requests.size() && queue.Next(&tag, &ok)) {
    Slot& slot = *static_cast<Slot*>(tag);
    OnceResult& result = results[slot.index];
    result.code = slot.status.error_code();
    if (slot.status.ok() && valued) {
      pb::ValuedResponse answer;
      grpc::ProtoBufferReader reader(&slot.response);
      if (answer.ParseFromZeroCopyStream(&reader)) result.valued = std::move(answer);
    }
    ++done;
    if (next < requests.size()) issue(slot);
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return results;
}

// A unary call that waits for its answer (OnProviderLoaded).
grpc::Status BlockingCall(grpc::GenericStub& stub, const std::string& method,
                          const std::string& request, std::string* response) {
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  const grpc::Slice slice(request);
  const grpc::ByteBuffer buffer(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::Status status;
  auto reader = stub.PrepareUnaryCall(&context, method, buffer, &queue);
  reader->StartCall();
  reader->Finish(&reply, &status, &context);
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    (void)reply.Dump(&slices);
    for (const grpc::Slice& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

// Rounds to `decimals` places (dividing by a power of ten gives the shortest printing).
double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

json Percentiles(std::vector<int64_t>& ns) {
  json out = json::object();
  if (ns.empty()) return out;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const size_t i = std::min(ns.size() - 1, static_cast<size_t>(q * ns.size()));
    return Round(ns[i] / 1000.0, 1);  // us
  };
  out["p50_us"] = at(0.50);
  out["p99_us"] = at(0.99);
  out["p999_us"] = at(0.999);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Closed-loop load generator of EMQX ExHook calls"};
  Options o;
  app.add_option("--target", o.target, "ExHook server host:port")->required();
  app.add_option("--service", o.service, "ExHook service package")
      ->check(CLI::IsMember({"v2", "v3"}));
  app.add_option("--concurrency", o.concurrency, "outstanding calls")->check(CLI::Range(1, 100000));
  app.add_option("--channels", o.channels, "HTTP/2 connections")->check(CLI::Range(1, 1024));
  app.add_option("--duration-s", o.duration_s, "measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--warmup-s", o.warmup_s, "seconds of load before measuring")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", o.threads, "client completion-queue threads")
      ->check(CLI::Range(1, 256));
  app.add_option("--clients", o.clients, "distinct synthetic clients (and pool size)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--payload-bytes", o.payload_bytes, "synthetic RPC response payload size")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--mix", o.mix, "hook weights");
  app.add_option("--fixture", o.fixture, "JSON fixture of real clients, publishes, authorize")
      ->check(CLI::ExistingFile);
  app.add_option("--server-pid", o.server_pid, "measure this process's CPU time");
  app.add_option("--timeout-ms", o.timeout_ms, "per-call deadline (EMQX request_timeout)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", o.json_only, "print only the JSON result");
  app.add_flag("--prime", o.prime,
               "first authenticate every fixture client, then connect the admitted ones");
  app.add_option("--prime-connections", o.prime_connections,
                 "client.connected calls per admitted client in --prime (keeps sessions alive "
                 "through a mix with disconnected)")
      ->check(CLI::Range(1, 8));
  app.add_option("--prefill", o.prefill,
                 "RPC requests sent once before the load and left pending (rpc mode)")
      ->check(CLI::Range(0, 10000000));
  app.add_flag("--drain,!--no-drain", o.drain,
               "answer the --prefill requests after the window (default on)");
  app.add_flag("--setup-only", o.setup_only, "stop after --prime and --prefill");
  app.add_option("--publish-mode", o.publish_mode,
                 "rpc: fresh ids, responses to passed requests; static: the fixture's "
                 "publishes as they are; auto: rpc when the fixture has request/response pairs")
      ->check(CLI::IsMember({"auto", "rpc", "static"}));
  app.add_option("--metrics-url", o.metrics_url,
                 "scrape this Prometheus page after each phase, e.g. http://127.0.0.1:8080/metrics");
  app.add_option("--metric", o.metrics, "metrics to read from --metrics-url (repeatable)");
  CLI11_PARSE(app, argc, argv);

  std::string error;
  const auto weights = ParseMix(o.mix, &error);
  if (!weights) {
    std::cerr << "hook-load: " << error << "\n";
    return 2;
  }
  std::optional<Fixture> fixture;
  if (o.fixture.empty()) {
    fixture = SyntheticFixture(o.clients, o.payload_bytes);
  } else if (!(fixture = LoadFixture(o.fixture, &error))) {
    std::cerr << "hook-load: " << error << "\n";
    return 2;
  }
  const UsernameOf username_of = UsernamesOf(*fixture);
  std::unique_ptr<RpcTemplates> rpc;
  // auto: rpc mode for a --fixture file with request/response pairs; the synthetic
  // fixture (no sessions behind it) keeps the static pool.
  if (o.publish_mode == "rpc" || (o.publish_mode == "auto" && !o.fixture.empty())) {
    rpc = std::make_unique<RpcTemplates>(*fixture, username_of);
    if (rpc->size() == 0) {
      if (o.publish_mode == "rpc" || o.prefill > 0) {
        std::cerr << "hook-load: " << (o.prefill > 0 ? "--prefill" : "--publish-mode rpc")
                  << " needs fixture publishes with RPC requests and their responses (same "
                     "topic prefix and id)\n";
        return 2;
      }
      rpc.reset();
    }
  } else if (o.prefill > 0) {
    std::cerr << "hook-load: --prefill needs rpc mode (and a --fixture)\n";
    return 2;
  }
  // Unique per run: request ids and message ids never repeat across runs.
  char nonce_text[9];
  std::snprintf(nonce_text, sizeof(nonce_text), "%08x", std::random_device{}());
  const std::string nonce = nonce_text;

  const size_t pool_size = std::min<size_t>(static_cast<size_t>(o.clients), 100000);
  std::vector<std::string> publish_topics;
  const auto pools =
      BuildPools(*fixture, *weights, pool_size, o.payload_bytes, rpc == nullptr, &publish_topics);
  const std::vector<uint8_t> schedule = BuildSchedule(*weights);
  const std::string prefix = "/emqx.exhook." + o.service + ".HookProvider/";
  std::array<std::string, kHookCount> methods;  // must outlive the calls (held by pointer)
  for (int h = 0; h < kHookCount; ++h) methods[h] = prefix + kHooks[h].rpc;

  // Separate connections: a distinct channel_id and a local subchannel pool per channel,
  // or gRPC would share one subchannel (one TCP connection) between identical channels.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int c = 0; c < o.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    channels.push_back(
        grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(5))) {
      std::cerr << "hook-load: cannot connect to " << o.target << "\n";
      return 1;
    }
    stubs.push_back(std::make_unique<grpc::GenericStub>(channels.back()));
  }

  // OnProviderLoaded first, as EMQX does; the answer must parse as a LoadedResponse.
  pb::ProviderLoadedRequest loaded_request;
  loaded_request.mutable_broker()->set_version("5.8.0");
  loaded_request.mutable_broker()->set_sysdescr("EMQX");
  loaded_request.mutable_broker()->set_uptime(1000);
  loaded_request.mutable_broker()->set_datetime("2025-01-01T00:00:00Z");
  FillMeta(loaded_request.mutable_meta());
  std::string loaded_bytes;
  const grpc::Status loaded_status = BlockingCall(
      *stubs[0], prefix + "OnProviderLoaded", loaded_request.SerializeAsString(), &loaded_bytes);
  pb::LoadedResponse loaded;
  if (!loaded_status.ok()) {
    std::cerr << "hook-load: OnProviderLoaded failed: " << loaded_status.error_code() << " "
              << loaded_status.error_message() << "\n";
    return 1;
  }
  if (!loaded.ParseFromString(loaded_bytes)) {
    std::cerr << "hook-load: OnProviderLoaded answer is not a LoadedResponse\n";
    return 1;
  }
  json provider_hooks = json::object();
  for (const pb::HookSpec& spec : loaded.hooks()) {
    provider_hooks[spec.name()] =
        std::vector<std::string>(spec.topics().begin(), spec.topics().end());
  }
  // Warn when the mix sends what EMQX would not: an unregistered hook, or publishes
  // outside the provider's message.publish filters.
  for (int h = 0; h < kHookCount; ++h) {
    if ((*weights)[h] > 0 && !provider_hooks.contains(kHooks[h].name)) {
      std::cerr << "hook-load: warning: the provider does not register " << kHooks[h].name
                << "; EMQX would not call it\n";
    }
  }
  if ((*weights)[kPublish] > 0 && provider_hooks.contains("message.publish") &&
      !provider_hooks["message.publish"].empty()) {
    const auto filters = provider_hooks["message.publish"].get<std::vector<std::string>>();
    size_t outside = 0;
    for (const Fixture::Publish& p : fixture->publish) {
      if (std::none_of(filters.begin(), filters.end(),
                       [&](const std::string& f) { return TopicMatches(f, p.topic); })) {
        ++outside;
      }
    }
    if (outside > 0 || fixture->publish.empty()) {
      std::cerr << "hook-load: warning: "
                << (fixture->publish.empty() ? "all" : std::to_string(outside))
                << " publish topics are outside the provider's message.publish filters\n";
    }
  }

  // ---- Set-up phases ----
  const std::chrono::milliseconds timeout(o.timeout_ms);
  json rss_kb = json::object();
  json server_metrics = json::object();
  auto sample = [&](const char* phase) {
    if (o.server_pid) {
      if (auto rss = ProcessRssKb(o.server_pid)) rss_kb[phase] = *rss;
    }
    if (!o.metrics_url.empty()) server_metrics[phase] = ScrapeMetrics(o.metrics_url, o.metrics);
  };
  auto seconds_since = [](Clock::time_point t) {
    return Round(std::chrono::duration<double>(Clock::now() - t).count(), 3);
  };
  sample("start");

  json prime = nullptr;
  if (o.prime) {
    const Clock::time_point t0 = Clock::now();
    std::vector<std::string> requests;
    for (size_t i = 0; i < fixture->clients.size(); ++i) {
      const Fixture::Client& c = fixture->clients[i];
      pb::ClientAuthenticateRequest request;
      FillClientInfo(c.clientid, c.username, i, request.mutable_clientinfo(), c.cn, c.dn);
      request.mutable_clientinfo()->set_password(c.password);
      request.set_result(false);
      FillMeta(request.mutable_meta());
      requests.push_back(request.SerializeAsString());
    }
    const auto answers = RunOnce(stubs, prefix + kHooks[kAuthenticate].rpc, requests, true,
                                 o.concurrency, timeout);
    json by_kind = json::object();
    std::vector<std::string> connect;
    std::vector<std::string> refused_ids;
    size_t admitted = 0, errors = 0;
    for (size_t i = 0; i < answers.size(); ++i) {
      const Fixture::Client& c = fixture->clients[i];
      json& kind = by_kind[c.kind];
      if (kind.is_null()) kind = {{"clients", 0}, {"admitted", 0}};
      kind["clients"] = kind["clients"].get<int>() + 1;
      const auto& valued = answers[i].valued;
      const bool ok = answers[i].code == grpc::StatusCode::OK;
      const bool admit = ok && valued && valued->value_case() == pb::ValuedResponse::kBoolResult &&
                         valued->bool_result();
      if (!ok) ++errors;
      if (!admit) {
        if (ok && refused_ids.size() < 5) refused_ids.push_back(c.clientid);
        continue;
      }
      ++admitted;
      kind["admitted"] = kind["admitted"].get<int>() + 1;
      pb::ClientConnectedRequest request;
      FillClientInfo(c.clientid, c.username, i, request.mutable_clientinfo());
      FillMeta(request.mutable_meta());
      connect.push_back(request.SerializeAsString());
    }
    std::vector<std::string> connected_requests;
    for (int r = 0; r < o.prime_connections; ++r) {
      connected_requests.insert(connected_requests.end(), connect.begin(), connect.end());
    }
    const auto connected = RunOnce(stubs, prefix + kHooks[kConnected].rpc, connected_requests,
                                   false, o.concurrency, timeout);
    const size_t connected_errors = std::count_if(
        connected.begin(), connected.end(),
        [](const OnceResult& r) { return r.code != grpc::StatusCode::OK; });
    const size_t refused = fixture->clients.size() - admitted - errors;
    prime = {{"clients", fixture->clients.size()},
             {"admitted", admitted},
             {"refused", refused},
             {"errors", errors},
             {"by_kind", by_kind},
             {"connected_calls", connected_requests.size()},
             {"connected_errors", connected_errors},
             {"seconds", seconds_since(t0)}};
    if (refused > 0) prime["refused_examples"] = refused_ids;
    if (refused + errors + connected_errors > 0) {
      std::cerr << "hook-load: warning: prime admitted " << admitted << " of "
                << fixture->clients.size() << " clients (" << refused << " refused, " << errors
                << " errors, " << connected_errors << " connected errors)\n";
    } else if (!o.json_only) {
      std::cerr << "hook-load: prime admitted all " << admitted << " clients\n";
    }
    sample("after_prime");
  }

  // Prefill: requests left pending; their (pair, id) are kept for the drain.
  json prefill = nullptr;
  std::vector<std::pair<size_t, std::string>> prefilled;
  const uint64_t prefill_high = (std::hash<std::string>{}(nonce) << 8) ^ 0xFFu;
  auto publish_once = [&](const std::vector<std::pair<size_t, std::string>>& items, bool response,
                          uint64_t counter_base, std::vector<std::pair<size_t, std::string>>* passed) {
    const Clock::time_point t0 = Clock::now();
    std::vector<std::string> requests;
    requests.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      requests.push_back(rpc->Build(items[i].first, response, items[i].second,
                                    MessageId(prefill_high, counter_base + i), NowMs()));
    }
    const auto answers = RunOnce(stubs, prefix + kHooks[kPublish].rpc, requests, true,
                                 o.concurrency, timeout);
    std::array<size_t, kPublishAnswerCount> counts{};
    size_t errors = 0;
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].valued) {
        ++errors;
        continue;
      }
      const PublishAnswer answer =
          ClassifyPublish(*answers[i].valued, rpc->topic(items[i].first, response));
      ++counts[answer];
      if (answer == kPassed && passed != nullptr) passed->push_back(items[i]);
    }
    json out = {{response ? "responses" : "requests", items.size()}, {"errors", errors}};
    for (int a = 0; a < kPublishAnswerCount; ++a) out[kPublishAnswerNames[a]] = counts[a];
    out["seconds"] = seconds_since(t0);
    return out;
  };
  if (o.prefill > 0) {
    std::vector<std::pair<size_t, std::string>> items;
    for (int i = 0; i < o.prefill; ++i) {
      items.emplace_back(static_cast<size_t>(i) % rpc->size(),
                         RequestId(nonce, 0xFFFFu, static_cast<uint64_t>(i)));
    }
    prefill = publish_once(items, false, 0, &prefilled);
    if (prefilled.size() < items.size()) {
      std::cerr << "hook-load: warning: the server let " << prefilled.size() << " of "
                << items.size() << " prefill requests through: " << prefill.dump() << "\n";
    }
    sample("after_prefill");
  }

  json result_base = {{"target", o.target},
                      {"service", o.service},
                      {"publish_mode", rpc ? "rpc" : "static"},
                      {"rpc_pairs", rpc ? rpc->size() : 0},
                      {"prime", prime},
                      {"prefill", prefill}};
  auto add_samples = [&](json& result) {
    if (!rss_kb.empty()) result["server_rss_kb"] = rss_kb;
    if (!server_metrics.empty()) result["server_metrics"] = server_metrics;
  };
  if (o.setup_only) {
    add_samples(result_base);
    std::cout << (o.json_only ? result_base.dump() : result_base.dump(2)) << std::endl;
    return 0;
  }

  // Spread the calls over threads and channels (call i: thread i % T, channel i % C).
  const LoadPlan plan{.schedule = schedule,
                      .pools = pools,
                      .publish_topics = publish_topics,
                      .rpc = rpc.get(),
                      .nonce = nonce,
                      .methods = methods,
                      .timeout = timeout};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < o.threads; ++t) {
    workers.push_back(std::make_unique<Worker>(t, o.threads, plan));
  }
  for (int i = 0; i < o.concurrency; ++i) {
    workers[i % o.threads]->AddCall(stubs[i % o.channels].get());
  }

  const Clock::time_point start = Clock::now();
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point begin = start + to_duration(o.warmup_s);
  const Clock::time_point end = begin + to_duration(o.duration_s);
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&worker, begin, end] { worker->Run(begin, end); });
  }
  const std::string server_pid = std::to_string(o.server_pid);
  std::this_thread::sleep_until(begin);
  const auto server_cpu_0 = o.server_pid ? ProcessCpuUs(server_pid) : std::nullopt;
  const auto client_cpu_0 = ProcessCpuUs("self");
  const Clock::time_point measured_0 = Clock::now();
  std::this_thread::sleep_until(end);
  const auto server_cpu_1 = o.server_pid ? ProcessCpuUs(server_pid) : std::nullopt;
  const auto client_cpu_1 = ProcessCpuUs("self");
  const double measured_s = std::chrono::duration<double>(Clock::now() - measured_0).count();
  for (std::thread& thread : threads) thread.join();
  sample("window_end");

  // The drain answers the prefill and the requests of the loop still unanswered.
  json drain = nullptr;
  if (rpc && o.drain) {
    for (auto& worker : workers) {
      for (auto& reply : worker->unanswered()) prefilled.push_back(std::move(reply));
    }
    if (!prefilled.empty()) {
      drain = publish_once(prefilled, true, 1ull << 40, nullptr);
      sample("after_drain");
    }
  }

  // Merge and report.
  json hooks = json::object();
  json errors_by_code = json::object();
  std::vector<int64_t> all;
  uint64_t calls = 0, errors = 0;
  for (int h = 0; h < kHookCount; ++h) {
    if ((*weights)[h] <= 0) continue;
    std::vector<int64_t> ns;
    std::array<uint64_t, kStatusNames.size()> status{};
    std::array<uint64_t, kOutcomeCount> outcomes{};
    for (auto& worker : workers) {
      ThreadStats& stats = worker->stats();
      ns.insert(ns.end(), stats.latency_ns[h].begin(), stats.latency_ns[h].end());
      for (size_t c = 0; c < status.size(); ++c) status[c] += stats.status[h][c];
      for (int k = 0; k < kOutcomeCount; ++k) outcomes[k] += stats.outcomes[h][k];
    }
    all.insert(all.end(), ns.begin(), ns.end());
    uint64_t hook_errors = 0;
    for (size_t c = 1; c < status.size(); ++c) {
      if (status[c] == 0) continue;
      hook_errors += status[c];
      errors_by_code[kStatusNames[c]] = errors_by_code.value(kStatusNames[c], 0) + status[c];
    }
    json entry = {{"calls", ns.size()},
                  {"calls_per_s", Round(ns.size() / o.duration_s, 1)},
                  {"errors", hook_errors}};
    entry.update(Percentiles(ns));
    if (kHooks[h].valued) {
      json results = json::object();
      for (int k = 0; k < kOutcomeCount; ++k) {
        if (outcomes[k] > 0) results[OutcomeName(k)] = outcomes[k];
      }
      entry["results"] = results;
    }
    if (h == kPublish) {  // what the server did with each kind of publish
      json answers = json::object();
      for (int k = 0; k < kPublishKindCount; ++k) {
        for (int a = 0; a < kPublishAnswerCount; ++a) {
          uint64_t n = 0;
          for (auto& worker : workers) n += worker->stats().publish[k][a];
          if (n > 0) {
            answers[std::string(kPublishKindNames[k]) + ":" + kPublishAnswerNames[a]] = n;
          }
        }
      }
      entry["publish_answers"] = answers;
    }
    hooks[kHooks[h].name] = entry;
    calls += ns.size();
    errors += hook_errors;
  }

  json result = {{"target", o.target},
                 {"service", o.service},
                 {"concurrency", o.concurrency},
                 {"channels", o.channels},
                 {"threads", o.threads},
                 {"duration_s", o.duration_s},
                 {"warmup_s", o.warmup_s},
                 {"mix", o.mix},
                 {"fixture", o.fixture.empty() ? json(nullptr) : json(o.fixture)},
                 {"calls", calls},
                 {"calls_per_s", Round(calls / o.duration_s, 1)},
                 {"errors", errors},
                 {"errors_by_code", errors_by_code},
                 {"hooks", hooks},
                 {"all", Percentiles(all)},
                 {"provider_hooks", provider_hooks}};
  for (const char* key : {"publish_mode", "rpc_pairs", "prime", "prefill"}) {
    result[key] = result_base[key];
  }
  result["drain"] = drain;
  add_samples(result);
  if (client_cpu_0 && client_cpu_1 && calls > 0) {
    result["client_cpu_us_per_call"] = Round((*client_cpu_1 - *client_cpu_0) / calls, 2);
  }
  if (o.server_pid) {
    if (server_cpu_0 && server_cpu_1 && calls > 0) {
      const double cpu_us = *server_cpu_1 - *server_cpu_0;
      result["server_pid"] = o.server_pid;
      result["server_cpu_us_per_call"] = Round(cpu_us / calls, 2);
      result["server_cpu_cores"] = Round(cpu_us / 1e6 / measured_s, 3);
    } else {
      std::cerr << "hook-load: warning: cannot read /proc/" << o.server_pid << "/stat\n";
    }
  }

  if (o.json_only) {
    std::cout << result.dump() << "\n";
  } else {
    std::cout << result.dump(2) << std::endl;
    std::cerr << "hook-load: " << calls << " calls in " << o.duration_s << " s ("
              << result["calls_per_s"] << "/s), " << errors << " errors, p50 "
              << result["all"].value("p50_us", 0.0) << " us, p99 "
              << result["all"].value("p99_us", 0.0) << " us\n";
  }
  return 0;
}
