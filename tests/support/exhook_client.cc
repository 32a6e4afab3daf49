#include "support/exhook_client.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace iothub::testing {

ExhookClient::ExhookClient(const std::string& target, ServiceVersion version)
    : version_(version),
      channel_(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
      v2_(pb::HookProvider::NewStub(channel_)),
      v3_(emqx::exhook::v3::HookProvider::NewStub(channel_)) {}

template <typename Call>
grpc::Status ExhookClient::WithDeadline(Call call) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return call(&context);
}

#define IOTHUB_CLIENT_CALL(method, rpc, req, resp)                                   \
  grpc::Status ExhookClient::method(const pb::req& request, pb::resp* response) {    \
    return WithDeadline([&](grpc::ClientContext* context) {                          \
      return version_ == ServiceVersion::kV2 ? v2_->rpc(context, request, response)  \
                                             : v3_->rpc(context, request, response); \
    });                                                                              \
  }
IOTHUB_CLIENT_CALL(Loaded, OnProviderLoaded, ProviderLoadedRequest, LoadedResponse)
IOTHUB_CLIENT_CALL(Authenticate, OnClientAuthenticate, ClientAuthenticateRequest, ValuedResponse)
IOTHUB_CLIENT_CALL(Authorize, OnClientAuthorize, ClientAuthorizeRequest, ValuedResponse)
IOTHUB_CLIENT_CALL(Publish, OnMessagePublish, MessagePublishRequest, ValuedResponse)
#undef IOTHUB_CLIENT_CALL

grpc::Status ExhookClient::Connected(const pb::ClientConnectedRequest& request) {
  pb::EmptySuccess response;
  return WithDeadline([&](grpc::ClientContext* context) {
    return version_ == ServiceVersion::kV2 ? v2_->OnClientConnected(context, request, &response)
                                           : v3_->OnClientConnected(context, request, &response);
  });
}

grpc::Status ExhookClient::Disconnected(const pb::ClientDisconnectedRequest& request) {
  pb::EmptySuccess response;
  return WithDeadline([&](grpc::ClientContext* context) {
    return version_ == ServiceVersion::kV2 ? v2_->OnClientDisconnected(context, request, &response)
                                           : v3_->OnClientDisconnected(context, request, &response);
  });
}

grpc::Status ExhookClient::RawCall(const std::string& rpc, const std::string& bytes,
                                   std::string* reply) {
  grpc::GenericStub stub(channel_);
  const std::string method = std::string("/emqx.exhook.") +
                             (version_ == ServiceVersion::kV2 ? "v2" : "v3") + ".HookProvider/" +
                             rpc;
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard lock(mutex);
    status = std::move(s);
    done = true;
    done_cv.notify_one();
  });
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return done; });
  if (status.ok() && reply != nullptr) {
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    reply->clear();
    for (const auto& s : slices) reply->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return status;
}

}  // namespace iothub::testing
