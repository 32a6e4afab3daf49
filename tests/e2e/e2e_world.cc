#include "e2e_world.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <ctime>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "test_pki.h"

namespace iothub::e2e {

namespace fs = std::filesystem;
using iothub::testing::ReadFile;
using iothub::testing::WriteFile;
using nlohmann::json;

std::string HubBinary() { return IOTHUB_E2E_HUB; }
std::string PluginPath() { return IOTHUB_E2E_PLUGIN; }
std::string DeviceSimBinary() { return IOTHUB_E2E_DEVICE_SIM; }

namespace {

std::string Base64Url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  size_t seen = 0;
  while (pos > 0) {
    const size_t newline = text.rfind('\n', pos - 1);
    if (newline == std::string::npos) break;
    if (++seen > lines) return text.substr(newline);
    pos = newline;
  }
  return "\n" + text;
}

size_t Count(const std::string& text, std::string_view needle) {
  size_t count = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(20ms);
  }
}

World::World(WorldOptions options) : options_(std::move(options)) {
  grpc_port_ = iothub::testing::FreeTcpPort();
  http_port_ = iothub::testing::FreeTcpPort();
}

World::~World() {
  // The hub first (its link says goodbye while the broker is still there), then the broker.
  if (hub_ != nullptr) {
    ResumeHub();
    hub_->Stop();
  }
  if (broker_ != nullptr) broker_->Stop();
}

bool World::BrokerInstalled() { return !iothub::testing::MosquittoBroker::Binary().empty(); }

iothub::testing::ProcessResult World::Cli(std::vector<std::string> args) const {
  std::vector<std::string> argv = {HubBinary(), "--config", dir_.File("hub.toml"), "--data-dir",
                                   data_dir()};
  argv.insert(argv.end(), args.begin(), args.end());
  return iothub::testing::RunProcess(argv, 60s);
}

::testing::AssertionResult World::Prepare() {
  fs::create_directories(data_dir());
  iothub::testing::MosquittoOptions broker;
  broker.dir = dir_.path();
  broker.plugin_path = PluginPath();
  broker.hub_url = "127.0.0.1:" + std::to_string(grpc_port_);
  broker.hub_timeout_ms = options_.plugin_timeout_ms;
  broker.cafile = ca_file();
  broker.certfile = dir_.File("broker.crt");
  broker.keyfile = dir_.File("broker.key");
  const int link_port = iothub::testing::FreeTcpPort();  // see WorldOptions::link_token
  if (!options_.link_token.empty()) {
    broker.extra_lines.push_back("listener " + std::to_string(link_port) + " 127.0.0.1");
  }
  broker_ = std::make_unique<iothub::testing::MosquittoBroker>(broker);

  std::ostringstream toml;
  toml << "[log]\nlevel = \"debug\"\n\n";
  toml << "[jwt]\nhs256_secret = \"" << kJwtSecret << "\"\n\n";
  toml << "[rpc]\ntimeout_ms = " << options_.rpc_timeout_ms << "\n\n";
  toml << "[http]\nadmin_token = \"" << kAdminToken << "\"\n\n";
  toml << "[mqtt]\nenabled = " << (options_.broker_link ? "true" : "false") << "\n";
  if (options_.link_token.empty()) {
    toml << "host = \"127.0.0.1\"\nport = " << broker_->device_port() << "\n\n";
  } else {
    toml << "host = \"127.0.0.1\"\nport = " << link_port << "\ntls = false\n";
    toml << "username = \"jwt\"\npassword = \"" << options_.link_token << "\"\n\n";
  }
  toml << options_.extra_toml << "\n";
  WriteFile(dir_.File("hub.toml"), toml.str());

  std::vector<std::vector<std::string>> steps;
  if (options_.ca_from.empty()) {
    steps.push_back({"ca", "init"});
  } else {
    fs::copy(fs::path(options_.ca_from) / "ca", fs::path(data_dir()) / "ca",
             fs::copy_options::recursive);
  }
  steps.push_back({"ca", "issue-server", "--san", "DNS:localhost", "--san", "IP:127.0.0.1",
                   "--out-cert", dir_.File("broker.crt"), "--out-key", dir_.File("broker.key")});
  for (const std::vector<std::string>& args : steps) {
    iothub::testing::ProcessResult result = Cli(args);
    if (result.status != 0) {
      return ::testing::AssertionFailure() << "iot-hub " << args[0] << " " << args[1] << " exited "
                                           << result.status << ": " << result.out << result.err;
    }
  }
  return ::testing::AssertionSuccess();
}

std::string World::CreateUser(const std::string& name) {
  iothub::testing::ProcessResult result =
      Cli({"user", "create", "--email", name + "@example.com", "--name", name, "--subject", name});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  const json user = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(user.is_object() && user.contains("id")) << result.out;
  return user.is_object() && user.contains("id") ? user["id"].get<std::string>() : "";
}

Device World::CreateDevice(const std::string& id) {
  Device device;
  device.id = id;
  device.key_path = dir_.File(id + ".key");
  device.cert_path = dir_.File(id + ".crt");
  iothub::testing::ProcessResult created = Cli({"device", "create", id});
  EXPECT_EQ(created.status, 0) << created.out << created.err;
  constexpr std::string_view kClaimField = "claimCode: ";
  if (const size_t at = created.out.find(kClaimField); at != std::string::npos) {
    const size_t from = at + kClaimField.size();
    device.claim_code = created.out.substr(from, created.out.find('\n', from) - from);
  }
  const std::string key = NewKeyPem();
  WriteFile(device.key_path, key);
  WriteFile(dir_.File(id + ".csr"), MakeCsrPem(key, id));
  iothub::testing::ProcessResult signed_cert =
      Cli({"device", "sign-csr", id, dir_.File(id + ".csr")});
  EXPECT_EQ(signed_cert.status, 0) << signed_cert.out << signed_cert.err;
  const size_t begin = signed_cert.out.find("-----BEGIN CERTIFICATE-----");
  const std::string end_marker = "-----END CERTIFICATE-----";
  const size_t end = signed_cert.out.find(end_marker, begin);
  EXPECT_TRUE(begin != std::string::npos && end != std::string::npos) << signed_cert.out;
  if (begin == std::string::npos || end == std::string::npos) return device;
  device.cert_pem = signed_cert.out.substr(begin, end + end_marker.size() - begin) + "\n";
  WriteFile(device.cert_path, device.cert_pem);
  device.fingerprint = FingerprintOf(device.cert_pem);
  return device;
}

void World::Bind(const std::string& device_id, const std::string& user_id) {
  iothub::testing::ProcessResult result = Cli({"device", "bind", device_id, user_id});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
}

void World::Revoke(const std::string& device_id) {
  iothub::testing::ProcessResult result = Cli({"device", "revoke", device_id});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
}

::testing::AssertionResult World::Start() {
  if (auto started = StartBroker(); !started) return started;
  if (auto started = StartHub(); !started) return started;
  if (options_.broker_link && !WaitLink(true, 15s)) {
    return ::testing::AssertionFailure() << "the hub's MQTT link did not come up\n"
                                         << Diagnostics();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult World::StartBroker() {
  if (broker_ == nullptr) return ::testing::AssertionFailure() << "Prepare() first";
  if (!broker_->Start()) {
    return ::testing::AssertionFailure() << "mosquitto did not start\n" << BrokerLog();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult World::StartHub() {
  ++hub_starts_;
  const std::string log = dir_.File("hub-" + std::to_string(hub_starts_) + ".log");
  hub_ = std::make_unique<iothub::testing::Subprocess>(
      std::vector<std::string>{HubBinary(), "--config", dir_.File("hub.toml"), "serve",
                               "--data-dir", data_dir(), "--grpc-listen",
                               "127.0.0.1:" + std::to_string(grpc_port_), "--http-listen",
                               "127.0.0.1:" + std::to_string(http_port_)},
      dir_.File("hub.out"), log);
  const bool ready = Eventually(
      [&] { return !hub_->Running() || ReadFile(log).find("serving ExHook") != std::string::npos; },
      20s);
  if (!ready || !hub_->Running()) {
    return ::testing::AssertionFailure() << "the hub did not start\n" << ReadFile(log);
  }
  return ::testing::AssertionSuccess();
}

int World::StopHub() {
  if (hub_ == nullptr) return -1;
  ResumeHub();
  return hub_->Stop();
}

void World::KillHub() {
  if (hub_ == nullptr) return;
  hub_->Signal(SIGKILL);
  hub_->WaitExit(5s);
}

void World::PauseHub() {
  if (hub_ != nullptr) hub_->Signal(SIGSTOP);
}

void World::ResumeHub() {
  if (hub_ != nullptr) hub_->Signal(SIGCONT);
}

bool World::HubRunning() { return hub_ != nullptr && hub_->Running(); }

bool World::WaitLink(bool up, std::chrono::milliseconds timeout) {
  static const std::regex kUp(R"(\niothub_mqtt_link_up(\{[^}]*\})? 1\b)");
  return Eventually(
      [&] {
        HttpReply metrics = Http("GET", "/metrics", nullptr, 2s);
        if (metrics.status != 200) return false;
        return std::regex_search("\n" + metrics.text, kUp) == up;
      },
      timeout);
}

MqttClientOptions World::DeviceOptions(const Device& device) const {
  return DeviceOptions(device.id, device.cert_path, device.key_path);
}

MqttClientOptions World::DeviceOptions(const std::string& client_id, const std::string& cert_path,
                                       const std::string& key_path) const {
  MqttClientOptions options;
  options.port = broker_->device_port();
  options.client_id = client_id;
  options.cafile = ca_file();
  options.certfile = cert_path;
  options.keyfile = key_path;
  return options;
}

MqttClientOptions World::UserOptions(const std::string& client_id, const std::string& token) const {
  MqttClientOptions options;
  options.port = broker_->user_port();
  options.client_id = client_id;
  options.cafile = ca_file();
  options.username = "jwt";
  options.password = token;
  return options;
}

std::unique_ptr<MqttTestClient> World::ConnectDevice(const Device& device) {
  auto client = std::make_unique<MqttTestClient>(DeviceOptions(device));
  const ConnectOutcome outcome = client->Connect();
  EXPECT_TRUE(outcome.ok()) << "device " << device.id << ": " << outcome << "\n" << Diagnostics();
  return outcome.ok() ? std::move(client) : nullptr;
}

std::unique_ptr<MqttTestClient> World::ConnectUser(const std::string& client_id,
                                                   const std::string& token) {
  auto client = std::make_unique<MqttTestClient>(UserOptions(client_id, token));
  const ConnectOutcome outcome = client->Connect();
  EXPECT_TRUE(outcome.ok()) << "user " << client_id << ": " << outcome << "\n" << Diagnostics();
  return outcome.ok() ? std::move(client) : nullptr;
}

std::string World::Token(const std::string& subject, long ttl_s, const json& extra,
                         std::string_view secret) {
  const long now = static_cast<long>(std::time(nullptr));
  json claims = {{"sub", subject}, {"iat", now}, {"exp", now + ttl_s}};
  for (const auto& [key, value] : extra.items()) claims[key] = value;
  const std::string input =
      Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64Url(claims.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  return input + "." + Base64Url(std::string_view(reinterpret_cast<char*>(mac), mac_len));
}

std::unique_ptr<iothub::testing::Subprocess> World::StartDeviceSim(
    const Device& device, const std::string& user_id, const std::vector<std::string>& extra) {
  ++sim_starts_;
  const std::string subacks = "Sending SUBACK to " + device.id + "\n";
  const size_t before = BrokerLogCount(subacks);
  std::vector<std::string> argv = {DeviceSimBinary(),
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(broker_->device_port()),
                                   "--cafile",
                                   ca_file(),
                                   "--cert",
                                   device.cert_path,
                                   "--key",
                                   device.key_path,
                                   "--device-id",
                                   device.id};
  if (!user_id.empty()) argv.insert(argv.end(), {"--user-id", user_id});
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string log = dir_.File("sim-" + device.id + ".log");
  auto sim = std::make_unique<iothub::testing::Subprocess>(argv, log, log);
  if (!WaitBrokerLogCount(subacks, before + 1, 10s)) {
    ADD_FAILURE() << "device-sim " << device.id << " did not subscribe\n"
                  << ReadFile(log) << "\n"
                  << Diagnostics();
    return nullptr;
  }
  return sim;
}

std::string World::DeviceSimLog(const Device& device) const {
  return ReadFile(dir_.File("sim-" + device.id + ".log"));
}

HttpReply World::HttpAs(std::string_view token, const std::string& method, const std::string& path,
                        const json& body, std::chrono::milliseconds timeout) {
  httplib::Client client("127.0.0.1", http_port_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                          static_cast<long>((timeout.count() % 1000) * 1000));
  client.set_write_timeout(5, 0);
  const httplib::Headers headers = {{"Authorization", "Bearer " + std::string(token)}};
  const std::string text = body.is_null() ? "" : body.dump();
  const auto start = std::chrono::steady_clock::now();
  httplib::Result result = [&] {
    if (method == "POST") return client.Post(path, headers, text, "application/json");
    if (method == "DELETE") return client.Delete(path, headers);
    if (method == "PATCH") return client.Patch(path, headers, text, "application/json");
    return client.Get(path, headers);
  }();
  HttpReply reply;
  reply.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (!result) return reply;
  reply.status = result->status;
  reply.text = result->body;
  reply.body = json::parse(reply.text, nullptr, /*allow_exceptions=*/false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

std::string World::HubLog() const {
  std::string all;
  for (int i = 1; i <= hub_starts_; ++i) {
    all += ReadFile(dir_.File("hub-" + std::to_string(i) + ".log"));
  }
  return all;
}

bool World::WaitHubLog(std::string_view text, std::chrono::milliseconds timeout) const {
  return Eventually([&] { return HubLog().find(text) != std::string::npos; }, timeout);
}

std::string World::BrokerLog() const { return broker_ != nullptr ? broker_->Log() : ""; }

size_t World::BrokerLogCount(std::string_view text) const { return Count(BrokerLog(), text); }

bool World::WaitBrokerLogCount(std::string_view text, size_t count,
                               std::chrono::milliseconds timeout) const {
  return Eventually([&] { return BrokerLogCount(text) >= count; }, timeout);
}

std::string World::Diagnostics() const {
  std::string out = "--- hub log (tail) ---" + Tail(HubLog(), 40);
  out += "\n--- mosquitto log (tail) ---" + Tail(BrokerLog(), 40);
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("sim-", 0) == 0) {
      out += "\n--- " + name + " (tail) ---" + Tail(ReadFile(entry.path()), 15);
    }
  }
  return out;
}

}  // namespace iothub::e2e
