#include "mosquitto_plugin/hook_client.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "exhook.grpc.pb.h"
#include "exhook_v3.grpc.pb.h"

namespace iothub::mosquitto_plugin {
namespace {

namespace pb = emqx::exhook::v2;

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      "hub call failed: " + status.error_message());
}

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Keeps asking the channel to connect and watches its state from its own thread: a
// fail-fast call from Mosquitto's thread never drives a reconnect by itself.
class ChannelKeeper {
 public:
  explicit ChannelKeeper(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)), thread_([this] { Run(); }) {}
  ~ChannelKeeper() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run() {
    while (!stop_) {
      grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
      channel_->WaitForStateChange(
          state, std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    }
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// One implementation over the v2 or v3 generated stub (identical method sets).
template <typename Service>
class GrpcHookClient final : public HookClient {
 public:
  GrpcHookClient(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds timeout,
                 pb::RequestMeta meta)
      : channel_(channel),
        stub_(Service::NewStub(channel)),
        timeout_(timeout),
        meta_(std::move(meta)),
        keeper_(channel) {}

  bool Ready() override { return channel_->GetState(false) == GRPC_CHANNEL_READY; }

  absl::StatusOr<pb::LoadedResponse> ProviderLoaded(pb::ProviderLoadedRequest request) override {
    *request.mutable_meta() = meta_;
    // Waits (up to the deadline) for the channel to connect: used at start-up.
    return Call(&Service::Stub::OnProviderLoaded, request, pb::LoadedResponse(),
                /*wait_for_ready=*/true);
  }
  absl::Status ProviderUnloaded(pb::ProviderUnloadedRequest request) override {
    *request.mutable_meta() = meta_;
    return Call(&Service::Stub::OnProviderUnloaded, request, pb::EmptySuccess()).status();
  }
  absl::Status ClientConnected(pb::ClientConnectedRequest request) override {
    *request.mutable_meta() = meta_;
    return Call(&Service::Stub::OnClientConnected, request, pb::EmptySuccess()).status();
  }
  absl::Status ClientDisconnected(pb::ClientDisconnectedRequest request) override {
    *request.mutable_meta() = meta_;
    return Call(&Service::Stub::OnClientDisconnected, request, pb::EmptySuccess()).status();
  }
  absl::StatusOr<pb::ValuedResponse> ClientAuthenticate(
      pb::ClientAuthenticateRequest request) override {
    *request.mutable_meta() = meta_;
    return Call(&Service::Stub::OnClientAuthenticate, request, pb::ValuedResponse());
  }
  absl::StatusOr<pb::ValuedResponse> ClientAuthorize(pb::ClientAuthorizeRequest request) override {
    *request.mutable_meta() = meta_;
    return Call(&Service::Stub::OnClientAuthorize, request, pb::ValuedResponse());
  }
  absl::StatusOr<pb::ValuedResponse> MessagePublish(pb::MessagePublishRequest request) override {
    *request.mutable_meta() = meta_;
    return Call(&Service::Stub::OnMessagePublish, request, pb::ValuedResponse());
  }

 private:
  template <typename Method, typename Request, typename Response>
  absl::StatusOr<Response> Call(Method method, const Request& request, Response response,
                                bool wait_for_ready = false) {
    grpc::ClientContext context;
    context.set_wait_for_ready(wait_for_ready);
    context.set_deadline(std::chrono::system_clock::now() + timeout_);
    grpc::Status status = ((*stub_).*method)(&context, request, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<typename Service::Stub> stub_;
  std::chrono::milliseconds timeout_;
  pb::RequestMeta meta_;
  ChannelKeeper keeper_;  // last: its thread stops before the stub goes
};

}  // namespace

absl::StatusOr<std::unique_ptr<HookClient>> MakeGrpcHookClient(const PluginOptions& options,
                                                               pb::RequestMeta meta) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    auto ca = ReadPem(options.tls_ca);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    if (!options.tls_cert.empty()) {
      auto cert = ReadPem(options.tls_cert);
      if (!cert.ok()) return cert.status();
      auto key = ReadPem(options.tls_key);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel = grpc::CreateCustomChannel(options.url, credentials, args);
  std::unique_ptr<HookClient> client;
  if (options.service == ServiceVersion::kV3) {
    client = std::make_unique<GrpcHookClient<emqx::exhook::v3::HookProvider>>(
        channel, options.timeout, std::move(meta));
  } else {
    client = std::make_unique<GrpcHookClient<pb::HookProvider>>(channel, options.timeout,
                                                                std::move(meta));
  }
  return client;
}

}  // namespace iothub::mosquitto_plugin
