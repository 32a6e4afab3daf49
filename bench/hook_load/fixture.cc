#include "hook_load/fixture.h"

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>

namespace hook_load {

using nlohmann::json;

std::string Padded(std::string prefix, const std::string& suffix, int bytes) {
  const int pad = bytes - static_cast<int>(prefix.size() + suffix.size());
  if (pad > 0) prefix.append(pad, 'x');
  return prefix + suffix;
}

Fixture SyntheticFixture(int clients, int payload_bytes) {
  Fixture fixture;
  for (int i = 0; i < clients; ++i) {
    const std::string n = std::to_string(i);
    const std::string device = "bench-client-" + n;
    const std::string base = "users/u" + n + "/devices/d" + n;
    fixture.clients.push_back({device, device, "bench-password-" + n, "device"});
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

UsernameOf UsernamesOf(const Fixture& fixture) {
  UsernameOf username_of;
  for (const Fixture::Client& c : fixture.clients) username_of[c.clientid] = c.username;
  return username_of;
}

namespace {

// A well-formed HS256 token ({"sub":"intruder","exp":4102444800}) whose signature no
// secret verifies.
constexpr const char* kBadToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbnRydWRlciIsImV4cCI6NDEwMjQ0NDgwMH0."
    "YSBzaWduYXR1cmUgdGhhdCBkb2VzIG5vdCB2ZXJpZnkh";

// A pem-mode username (base64 DER) with one base64 digit of its signature changed: a
// parsable certificate, but no registered one (EMQX's TLS would refuse it first).
std::string TamperedCertificate(std::string username) {
  char& c = username[username.size() - 24];
  c = c == 'A' ? 'B' : 'A';
  return username;
}

// Payloads of RPC requests the hub refuses at once (-32600, -32601, -32602).
constexpr std::array<const char*, 4> kInvalidRequests = {
    "not json at all", R"({"id":"h1"})", R"({"id":"h2","method":"noSuchMethod"})",
    R"({"id":"h3","method":"getDeviceState","params":"not an object"})"};

}  // namespace

Fixture HostileFixture(const Fixture& real, bool tampered_certificates) {
  Fixture hostile;
  for (size_t i = 0; i < real.clients.size(); ++i) {
    const Fixture::Client& c = real.clients[i];
    const std::string n = std::to_string(i);
    if (i % 2 == 0) {
      const bool tamper = tampered_certificates && c.username.size() > 200;
      hostile.clients.push_back({"intruder-" + n,
                                 tamper ? TamperedCertificate(c.username) : "intruder-" + n,
                                 "password", "unknown device"});
      hostile.authorize.push_back({"ghost-" + n, "", "users/x/devices/" + n + "/telemetry", false});
    } else {
      hostile.clients.push_back({"intruder-app-" + n, "jwt", kBadToken, "bad token"});
      hostile.authorize.push_back(
          {c.clientid, c.username, "users/not-" + c.clientid + "/devices/#", true});
    }
  }
  size_t k = 0;
  for (const Fixture::Publish& p : real.publish) {
    if (!p.topic.ends_with("/rpc/request")) continue;
    hostile.publish.push_back({p.topic, kInvalidRequests[k++ % kInvalidRequests.size()], p.from});
  }
  return hostile;
}

}  // namespace hook_load
