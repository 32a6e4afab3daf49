// E2eTest: the common cast of the end-to-end tests, in a World of their own: users
// alice and bob, device dev-a bound to alice and dev-b bound to bob (registered through
// the CLI before the hub starts), Mosquitto and the hub running, the hub's link up.
// Tests that need other settings override Options().
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "e2e_world.h"

namespace iothub::e2e {

class E2eTest : public ::testing::Test {
 protected:
  virtual WorldOptions Options() const { return {}; }

  void SetUp() override {
    if (!World::BrokerInstalled()) GTEST_SKIP() << "mosquitto is not installed";
    world_ = std::make_unique<World>(Options());
    ASSERT_TRUE(world_->Prepare());
    alice_ = world_->CreateUser("alice");
    bob_ = world_->CreateUser("bob");
    dev_a_ = world_->CreateDevice("dev-a");
    dev_b_ = world_->CreateDevice("dev-b");
    world_->Bind(dev_a_.id, alice_);
    world_->Bind(dev_b_.id, bob_);
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(world_->Start());
  }

  void TearDown() override {
    if (HasFailure() && world_ != nullptr) {
      std::printf("%s\n", world_->Diagnostics().c_str());
    }
  }

  // users/{user}/devices/{device}/{leaf}
  static std::string Topic(const std::string& user, const std::string& device,
                           const std::string& leaf) {
    return "users/" + user + "/devices/" + device + "/" + leaf;
  }

  // A JSON-RPC request text.
  static std::string Request(const std::string& id, const std::string& method,
                             const nlohmann::json& params = nullptr) {
    nlohmann::json request = {{"id", id}, {"method", method}};
    if (!params.is_null()) request["params"] = params;
    return request.dump();
  }

  // The parsed payload of a message (null when it is not JSON).
  static nlohmann::json Json(const std::string& text) {
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
  }

  std::unique_ptr<World> world_;
  std::string alice_, bob_;  // user ids
  Device dev_a_, dev_b_;
};

// SUBACK / PUBACK codes of MQTT 5.
inline constexpr int kNotAuthorized = 0x87;

}  // namespace iothub::e2e
