#include "fake_hub.h"

#include <stdexcept>
#include <thread>

namespace iothub::mosquitto_plugin::testing {

namespace pb = emqx::exhook::v2;

FakeHub::FakeHub(int port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) throw std::runtime_error("fake hub cannot listen");
}

FakeHub::~FakeHub() { server_->Shutdown(std::chrono::system_clock::now()); }

#define FAKE_HUB_GETTER(type, name)             \
  std::vector<pb::type> FakeHub::name() const { \
    std::lock_guard<std::mutex> lock(mu_);      \
    return name##_;                             \
  }
FAKE_HUB_GETTER(ClientAuthenticateRequest, authenticates)
FAKE_HUB_GETTER(ClientAuthorizeRequest, authorizes)
FAKE_HUB_GETTER(MessagePublishRequest, publishes)
FAKE_HUB_GETTER(ClientConnectedRequest, connecteds)
FAKE_HUB_GETTER(ClientDisconnectedRequest, disconnecteds)
#undef FAKE_HUB_GETTER

int FakeHub::loaded_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_;
}

bool FakeHub::WaitUntil(const std::function<bool()>& done,
                        std::chrono::milliseconds timeout) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

grpc::Status FakeHub::OnProviderLoaded(grpc::ServerContext*, const pb::ProviderLoadedRequest*,
                                       pb::LoadedResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  ++loaded_;
  for (const char* name :
       {"client.authenticate", "client.authorize", "client.connected", "client.disconnected"}) {
    response->add_hooks()->set_name(name);
  }
  auto* publish = response->add_hooks();
  publish->set_name("message.publish");
  for (const char* filter : {"rewrite/#", "drop/#", "plain/#"}) publish->add_topics(filter);
  return grpc::Status::OK;
}

grpc::Status FakeHub::OnClientConnected(grpc::ServerContext*,
                                        const pb::ClientConnectedRequest* request,
                                        pb::EmptySuccess*) {
  std::lock_guard<std::mutex> lock(mu_);
  connecteds_.push_back(*request);
  return grpc::Status::OK;
}

grpc::Status FakeHub::OnClientDisconnected(grpc::ServerContext*,
                                           const pb::ClientDisconnectedRequest* request,
                                           pb::EmptySuccess*) {
  std::lock_guard<std::mutex> lock(mu_);
  disconnecteds_.push_back(*request);
  return grpc::Status::OK;
}

grpc::Status FakeHub::OnClientAuthenticate(grpc::ServerContext*,
                                           const pb::ClientAuthenticateRequest* request,
                                           pb::ValuedResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  authenticates_.push_back(*request);
  const auto& info = request->clientinfo();
  response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
  response->set_bool_result(info.username() == "good" || info.cn() == "device-001");
  return grpc::Status::OK;
}

grpc::Status FakeHub::OnClientAuthorize(grpc::ServerContext*,
                                        const pb::ClientAuthorizeRequest* request,
                                        pb::ValuedResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  authorizes_.push_back(*request);
  response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
  response->set_bool_result(request->topic().rfind("denied/", 0) != 0);
  return grpc::Status::OK;
}

grpc::Status FakeHub::OnMessagePublish(grpc::ServerContext*,
                                       const pb::MessagePublishRequest* request,
                                       pb::ValuedResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  publishes_.push_back(*request);
  response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
  pb::Message* message = response->mutable_message();
  *message = request->message();
  if (message->topic().rfind("drop/", 0) == 0) {
    (*message->mutable_headers())["allow_publish"] = "false";
  } else if (message->topic() == "rewrite/in") {
    message->set_topic("rewrite/out");
    message->set_payload("rewritten");
  }
  return grpc::Status::OK;
}

}  // namespace iothub::mosquitto_plugin::testing
