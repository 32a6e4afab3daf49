// FakeHub: a tiny in-process ExHook provider (emqx.exhook.v2) for the plugin's broker
// tests. It admits username "good" and certificates with CN "device-001", denies topics
// under "denied/", drops messages under "drop/", rewrites "rewrite/in" to "rewrite/out",
// and records every call. Thread-safe (gRPC threads record, the test thread reads).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exhook.grpc.pb.h"

namespace iothub::mosquitto_plugin::testing {

class FakeHub final : public emqx::exhook::v2::HookProvider::Service {
 public:
  // Listens on 127.0.0.1:`port` (0 picks a free port).
  explicit FakeHub(int port = 0);
  ~FakeHub() override;

  int port() const { return port_; }
  std::string url() const { return "127.0.0.1:" + std::to_string(port_); }

  // Copies of the requests received so far.
  std::vector<emqx::exhook::v2::ClientAuthenticateRequest> authenticates() const;
  std::vector<emqx::exhook::v2::ClientAuthorizeRequest> authorizes() const;
  std::vector<emqx::exhook::v2::MessagePublishRequest> publishes() const;
  std::vector<emqx::exhook::v2::ClientConnectedRequest> connecteds() const;
  std::vector<emqx::exhook::v2::ClientDisconnectedRequest> disconnecteds() const;
  int loaded_count() const;

  // Polls `done` every 20 ms until it is true or `timeout` passes.
  bool WaitUntil(const std::function<bool()>& done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  grpc::Status OnProviderLoaded(grpc::ServerContext*,
                                const emqx::exhook::v2::ProviderLoadedRequest*,
                                emqx::exhook::v2::LoadedResponse*) override;
  grpc::Status OnClientConnected(grpc::ServerContext*,
                                 const emqx::exhook::v2::ClientConnectedRequest*,
                                 emqx::exhook::v2::EmptySuccess*) override;
  grpc::Status OnClientDisconnected(grpc::ServerContext*,
                                    const emqx::exhook::v2::ClientDisconnectedRequest*,
                                    emqx::exhook::v2::EmptySuccess*) override;
  grpc::Status OnClientAuthenticate(grpc::ServerContext*,
                                    const emqx::exhook::v2::ClientAuthenticateRequest*,
                                    emqx::exhook::v2::ValuedResponse*) override;
  grpc::Status OnClientAuthorize(grpc::ServerContext*,
                                 const emqx::exhook::v2::ClientAuthorizeRequest*,
                                 emqx::exhook::v2::ValuedResponse*) override;
  grpc::Status OnMessagePublish(grpc::ServerContext*,
                                const emqx::exhook::v2::MessagePublishRequest*,
                                emqx::exhook::v2::ValuedResponse*) override;

 private:
  mutable std::mutex mu_;
  int loaded_ = 0;
  std::vector<emqx::exhook::v2::ClientAuthenticateRequest> authenticates_;
  std::vector<emqx::exhook::v2::ClientAuthorizeRequest> authorizes_;
  std::vector<emqx::exhook::v2::MessagePublishRequest> publishes_;
  std::vector<emqx::exhook::v2::ClientConnectedRequest> connecteds_;
  std::vector<emqx::exhook::v2::ClientDisconnectedRequest> disconnecteds_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace iothub::mosquitto_plugin::testing
