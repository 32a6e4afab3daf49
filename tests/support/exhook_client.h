// ExhookClient: calls the hub as EMQX does, through either service name (v2 or v3) on
// one channel, with a deadline on every call. Also raw calls with hand-made bytes.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "exhook.grpc.pb.h"
#include "exhook_v3.grpc.pb.h"

namespace iothub::testing {

namespace pb = ::emqx::exhook::v2;

enum class ServiceVersion { kV2, kV3 };

class ExhookClient {
 public:
  ExhookClient(const std::string& target, ServiceVersion version);

  // One method per rpc the tests use; each returns the call's status.
  grpc::Status Loaded(const pb::ProviderLoadedRequest& request, pb::LoadedResponse* response);
  grpc::Status Authenticate(const pb::ClientAuthenticateRequest& request,
                            pb::ValuedResponse* response);
  grpc::Status Authorize(const pb::ClientAuthorizeRequest& request, pb::ValuedResponse* response);
  grpc::Status Publish(const pb::MessagePublishRequest& request, pb::ValuedResponse* response);
  grpc::Status Connected(const pb::ClientConnectedRequest& request);
  grpc::Status Disconnected(const pb::ClientDisconnectedRequest& request);

  // Sends `bytes` as the request body of `/emqx.exhook.vN.HookProvider/<rpc>`.
  grpc::Status RawCall(const std::string& rpc, const std::string& bytes, std::string* reply);

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  template <typename Call>
  grpc::Status WithDeadline(Call call);

  ServiceVersion version_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::HookProvider::Stub> v2_;
  std::unique_ptr<emqx::exhook::v3::HookProvider::Stub> v3_;
};

}  // namespace iothub::testing
