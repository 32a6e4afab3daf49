#include "hook_load/fixture.h"

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
                                 c.value("password", ""), c.value("kind", "device")});
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

}  // namespace hook_load
