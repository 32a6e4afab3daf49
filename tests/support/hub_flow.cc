#include "support/hub_flow.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "support/jwt_maker.h"

namespace iothub::testing {
namespace {

std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string KeyArgs(KeyKind kind) {
  return kind == KeyKind::kEcP256 ? "-newkey ec -pkeyopt ec_paramgen_curve:P-256"
                                  : "-newkey rsa:2048";
}

// What a returned message must keep from the request's (everything but what a rewrite
// changes); empty when it does.
std::string MessageDifference(const pb::Message& sent, const pb::Message& got,
                              bool compare_topic_and_payload) {
  std::string diff;
  if (got.node() != sent.node()) diff += " node";
  if (got.id() != sent.id()) diff += " id";
  if (got.qos() != sent.qos()) diff += " qos";
  if (got.from() != sent.from()) diff += " from";
  if (got.timestamp() != sent.timestamp()) diff += " timestamp";
  if (compare_topic_and_payload && got.topic() != sent.topic()) diff += " topic";
  if (compare_topic_and_payload && got.payload() != sent.payload()) diff += " payload";
  for (const auto& [key, value] : sent.headers()) {
    const auto it = got.headers().find(key);
    if (key != "allow_publish" && (it == got.headers().end() || it->second != value)) {
      diff += " header:" + key;
    }
  }
  return diff;
}

bool DropHeader(const pb::Message& message) {
  const auto it = message.headers().find("allow_publish");
  return it != message.headers().end() && it->second == "false";
}

}  // namespace

std::string VersionName(const ::testing::TestParamInfo<ServiceVersion>& info) {
  return info.param == ServiceVersion::kV2 ? "v2" : "v3";
}

ShellOutput RunShell(const std::string& command) {
  ShellOutput result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.output.append(buffer, read);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

std::string PemModeUsername(std::string_view pem) {
  std::string out;
  std::size_t pos = 0;
  while (pos < pem.size()) {
    std::size_t end = pem.find('\n', pos);
    if (end == std::string_view::npos) end = pem.size();
    std::string_view line = pem.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with("-----")) out.append(line);
    pos = end + 1;
  }
  return out;
}

std::string NextMessageId() {
  static std::atomic<std::uint64_t> counter{0};
  char id[33];
  std::snprintf(id, sizeof id, "0006%012llX%016llX", static_cast<unsigned long long>(::getpid()),
                static_cast<unsigned long long>(++counter));
  return id;
}

::testing::AssertionResult IsAllow(const pb::ValuedResponse& response) {
  if (response.type() != pb::ValuedResponse::STOP_AND_RETURN ||
      response.value_case() != pb::ValuedResponse::kBoolResult || !response.bool_result()) {
    return ::testing::AssertionFailure()
           << "not STOP_AND_RETURN true: " << response.ShortDebugString();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsDeny(const pb::ValuedResponse& response) {
  if (response.type() != pb::ValuedResponse::STOP_AND_RETURN ||
      response.value_case() != pb::ValuedResponse::kBoolResult || response.bool_result()) {
    return ::testing::AssertionFailure()
           << "not STOP_AND_RETURN false: " << response.ShortDebugString();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsPass(const pb::MessagePublishRequest& request,
                                  const pb::ValuedResponse& response) {
  // A message that passes unchanged is answered IGNORE with no value: EMQX keeps it.
  (void)request;
  if (response.type() != pb::ValuedResponse::IGNORE ||
      response.value_case() != pb::ValuedResponse::VALUE_NOT_SET) {
    return ::testing::AssertionFailure()
           << "not IGNORE: " << response.ShortDebugString().substr(0, 600);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsDrop(const pb::MessagePublishRequest& request,
                                  const pb::ValuedResponse& response) {
  if (response.type() != pb::ValuedResponse::STOP_AND_RETURN ||
      response.value_case() != pb::ValuedResponse::kMessage || !DropHeader(response.message())) {
    return ::testing::AssertionFailure()
           << "not a drop: " << response.ShortDebugString().substr(0, 600);
  }
  const std::string diff = MessageDifference(request.message(), response.message(), true);
  if (!diff.empty()) return ::testing::AssertionFailure() << "drop changed the message:" << diff;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsRewrite(const pb::MessagePublishRequest& request,
                                     const pb::ValuedResponse& response, const std::string& topic,
                                     nlohmann::json* payload) {
  if (response.type() != pb::ValuedResponse::CONTINUE ||
      response.value_case() != pb::ValuedResponse::kMessage || DropHeader(response.message())) {
    return ::testing::AssertionFailure()
           << "not CONTINUE with a message: " << response.ShortDebugString().substr(0, 600);
  }
  if (response.message().topic() != topic) {
    return ::testing::AssertionFailure()
           << "topic " << response.message().topic() << ", want " << topic;
  }
  const std::string diff = MessageDifference(request.message(), response.message(), false);
  if (!diff.empty()) return ::testing::AssertionFailure() << "rewrite changed:" << diff;
  *payload = nlohmann::json::parse(response.message().payload(), nullptr, false);
  if (payload->is_discarded()) {
    return ::testing::AssertionFailure() << "payload is not JSON: " << response.message().payload();
  }
  return ::testing::AssertionSuccess();
}

HubFlow::HubFlow(HubFlowOptions options) : options_(std::move(options)) {}

::testing::AssertionResult HubFlow::Init() const {
  if (initialized_) return ::testing::AssertionSuccess();
  initialized_ = true;
  WriteFile(config_path(), "[jwt]\nhs256_secret = \"" + std::string(kJwtSecret) + "\"\n\n" +
                               options_.extra_toml + "\n");
  if (!options_.ca_from.empty()) {
    std::filesystem::create_directories(data_dir());
    std::filesystem::copy(options_.ca_from / "ca", data_dir() / "ca",
                          std::filesystem::copy_options::recursive);
    return ::testing::AssertionSuccess();
  }
  const CommandResult ca = Cli({"ca", "init"});
  if (ca.status != 0) return ::testing::AssertionFailure() << "ca init: " << ca.err << ca.out;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HubFlow::Start() {
  if (::testing::AssertionResult init = Init(); !init) return init;
  hub_ = std::make_unique<HubProcess>(HubOptions{
      .data_dir = data_dir(), .config_file = config_path(), .extra_args = {}, .env = options_.env});
  if (!hub_->WaitReady()) return ::testing::AssertionFailure() << "hub not ready: " << Log();
  v2_ = std::make_unique<ExhookClient>(hub_->grpc_target(), ServiceVersion::kV2);
  v3_ = std::make_unique<ExhookClient>(hub_->grpc_target(), ServiceVersion::kV3);
  return ::testing::AssertionSuccess();
}

bool HubFlow::LogContains(std::string_view text) const {
  return Log().find(text) != std::string::npos;
}

bool HubFlow::WaitForLog(std::string_view text, std::chrono::milliseconds timeout) const {
  return Eventually([&] { return LogContains(text); }, timeout);
}

CommandResult HubFlow::Cli(std::vector<std::string> args) const {
  if (!initialized_) {
    EXPECT_TRUE(Init());
  }
  std::vector<std::string> argv = {"--config", config_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--data-dir");
  argv.push_back(data_dir().string());
  return RunHub(argv);
}

nlohmann::json HubFlow::CliJson(std::vector<std::string> args) const {
  args.push_back("--json");
  const CommandResult result = Cli(args);
  EXPECT_EQ(result.status, 0) << args[0] << " " << args[1] << ": " << result.err;
  nlohmann::json parsed = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << result.out;
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

std::string HubFlow::CreateUser(const std::string& email, const std::string& name,
                                const std::string& subject, const std::string& role) const {
  std::vector<std::string> args = {"user", "create", "--email", email, "--name", name};
  if (!subject.empty()) args.insert(args.end(), {"--subject", subject});
  if (!role.empty()) args.insert(args.end(), {"--role", role});
  const nlohmann::json user = CliJson(args);
  const bool has_id = user.is_object() && user.contains("id") && user["id"].is_string();
  EXPECT_TRUE(has_id) << user.dump();
  return has_id ? user["id"].get<std::string>() : "";
}

std::string HubFlow::MakeCsr(const std::string& name, KeyKind kind,
                             const std::string& subject) const {
  const std::string key = dir_.File(name + ".key"), csr = dir_.File(name + ".csr");
  const ShellOutput made =
      RunShell("openssl req -new " + KeyArgs(kind) + " -nodes -subj " + Quote(subject) +
               " -keyout " + Quote(key) + " -out " + Quote(csr));
  EXPECT_EQ(made.exit_code, 0) << made.output;
  return csr;
}

DeviceCert HubFlow::SignNewCertificate(const std::string& id, KeyKind kind) const {
  static std::atomic<int> serial{0};
  const std::string name = id + "-" + std::to_string(++serial);
  const std::string csr = MakeCsr(name, kind);
  const nlohmann::json cert = CliJson({"device", "sign-csr", id, csr});
  if (!cert.is_object() || !cert.contains("clientCert")) {
    ADD_FAILURE() << "sign-csr " << id << ": " << cert.dump();
    DeviceCert none;
    none.device_id = id;
    return none;
  }
  DeviceCert out = CertFromPem(id, cert["clientCert"].get<std::string>());
  out.key_path = dir_.File(name + ".key");
  out.fingerprint = cert.value("fingerprint", "");
  return out;
}

DeviceCert HubFlow::CertFromPem(const std::string& device_id, const std::string& pem) const {
  static std::atomic<int> serial{0};
  DeviceCert out;
  out.device_id = device_id;
  out.pem = pem;
  out.username = PemModeUsername(pem);
  // The subject as the openssl CLI prints it in RFC 2253 (= RFC 4514) form.
  const std::string pem_file = dir_.File(device_id + "-" + std::to_string(++serial) + ".crt");
  WriteFile(pem_file, pem);
  const ShellOutput subject =
      RunShell("openssl x509 -noout -subject -nameopt RFC2253 -in " + Quote(pem_file));
  EXPECT_EQ(subject.exit_code, 0) << subject.output;
  constexpr std::string_view kPrefix = "subject=";
  std::string dn = subject.output;
  while (!dn.empty() && (dn.back() == '\n' || dn.back() == '\r')) dn.pop_back();
  if (dn.starts_with(kPrefix)) dn.erase(0, kPrefix.size());
  out.dn = dn;
  out.cn = dn.starts_with("CN=") && dn.find(',') == std::string::npos ? dn.substr(3) : "";
  EXPECT_FALSE(out.cn.empty()) << "unexpected subject: " << dn;
  return out;
}

DeviceCert HubFlow::CreateDevice(const std::string& id, KeyKind kind) const {
  const nlohmann::json device = CliJson({"device", "create", id});
  EXPECT_EQ(device.value("id", ""), id) << device.dump();
  return SignNewCertificate(id, kind);
}

void HubFlow::Bind(const std::string& device_id, const std::string& user_id) const {
  const nlohmann::json device = CliJson({"device", "bind", device_id, user_id});
  EXPECT_EQ(device.value("status", ""), "bound") << device.dump();
}

void HubFlow::Unbind(const std::string& device_id) const {
  const nlohmann::json device = CliJson({"device", "unbind", device_id});
  EXPECT_EQ(device.value("status", ""), "unbound") << device.dump();
}

void HubFlow::Revoke(const std::string& device_id) const {
  const nlohmann::json device = CliJson({"device", "revoke", device_id});
  EXPECT_EQ(device.value("status", ""), "revoked") << device.dump();
}

std::string HubFlow::Token(const std::string& subject, const nlohmann::json& extra) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  nlohmann::json claims = {{"sub", subject}, {"iat", now}, {"exp", now + 3600}};
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) claims[key] = value;
  }
  return Hs256Jwt(claims.dump(), kJwtSecret);
}

pb::ClientInfo HubFlow::Client(const std::string& clientid, const std::string& username) {
  pb::ClientInfo info;
  info.set_node("emqx@127.0.0.1");
  info.set_clientid(clientid);
  info.set_username(username);
  info.set_peerhost("127.0.0.1");
  info.set_sockport(8883);
  info.set_protocol("mqtt");
  info.set_anonymous(true);
  info.set_peerport(50000);
  return info;
}

pb::ValuedResponse HubFlow::Authenticate(ServiceVersion v, const std::string& clientid,
                                         const std::string& username, const std::string& password,
                                         const std::string& cn, const std::string& dn) {
  pb::ClientAuthenticateRequest request;
  *request.mutable_clientinfo() = Client(clientid, username);
  request.mutable_clientinfo()->set_password(password);
  request.mutable_clientinfo()->set_cn(cn);
  request.mutable_clientinfo()->set_dn(dn);
  request.set_result(false);
  request.mutable_meta()->set_node("emqx@127.0.0.1");
  pb::ValuedResponse response;
  const grpc::Status status = client(v).Authenticate(request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

pb::ValuedResponse HubFlow::ConnectDevice(ServiceVersion v, const DeviceCert& cert,
                                          const std::string& clientid) {
  const std::string id = clientid.empty() ? cert.device_id : clientid;
  pb::ValuedResponse response = AuthenticateDevice(v, id, cert);
  if (response.bool_result()) Connected(v, id, cert.username);
  return response;
}

pb::ValuedResponse HubFlow::AuthenticateDevice(ServiceVersion v, const std::string& clientid,
                                               const DeviceCert& cert) {
  return Authenticate(v, clientid, cert.username, "", cert.cn, cert.dn);
}

pb::ValuedResponse HubFlow::ConnectWithToken(ServiceVersion v, const std::string& clientid,
                                             const std::string& token) {
  pb::ValuedResponse response = Authenticate(v, clientid, "jwt", token);
  if (response.bool_result()) Connected(v, clientid, "jwt");
  return response;
}

pb::ValuedResponse HubFlow::Authorize(ServiceVersion v, const std::string& clientid, bool subscribe,
                                      const std::string& topic) {
  pb::ClientAuthorizeRequest request;
  *request.mutable_clientinfo() = Client(clientid);
  request.set_type(subscribe ? pb::ClientAuthorizeRequest::SUBSCRIBE
                             : pb::ClientAuthorizeRequest::PUBLISH);
  request.set_topic(topic);
  request.set_result(false);
  pb::ValuedResponse response;
  const grpc::Status status = client(v).Authorize(request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

void HubFlow::Connected(ServiceVersion v, const std::string& clientid,
                        const std::string& username) {
  pb::ClientConnectedRequest request;
  *request.mutable_clientinfo() = Client(clientid, username);
  const grpc::Status status = client(v).Connected(request);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

void HubFlow::Disconnected(ServiceVersion v, const std::string& clientid,
                           const std::string& username) {
  pb::ClientDisconnectedRequest request;
  *request.mutable_clientinfo() = Client(clientid, username);
  request.set_reason("normal");
  const grpc::Status status = client(v).Disconnected(request);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

pb::MessagePublishRequest HubFlow::PublishRequest(const std::string& from, const std::string& topic,
                                                  const std::string& payload,
                                                  const std::string& message_id) {
  pb::MessagePublishRequest request;
  pb::Message* message = request.mutable_message();
  message->set_node("emqx@127.0.0.1");
  message->set_id(message_id.empty() ? NextMessageId() : message_id);
  message->set_qos(1);
  message->set_from(from);
  message->set_topic(topic);
  message->set_payload(payload);
  message->set_timestamp(1700000000123);
  (*message->mutable_headers())["username"] = "jwt";
  (*message->mutable_headers())["protocol"] = "mqtt";
  (*message->mutable_headers())["peerhost"] = "127.0.0.1";
  request.mutable_meta()->set_node("emqx@127.0.0.1");
  return request;
}

pb::ValuedResponse HubFlow::Publish(ServiceVersion v, const pb::MessagePublishRequest& request) {
  pb::ValuedResponse response;
  const grpc::Status status = client(v).Publish(request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

}  // namespace iothub::testing
