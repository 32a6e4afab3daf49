// ApiTest: a real HTTP API on 127.0.0.1 (random port), served by the production
// HttpServer, over a real Registry on a SQLite file and a CA in a TempDir, with a
// JwtVerifier for HS256 test tokens and a fake CommandSender that records its calls (the
// real MQTT round trip is tested end to end by the integration tests), and the web
// console as the hub serves it. Seeds an admin user, alice and bob.
// Test-only; one fixture per test.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/jwt_verifier.h"
#include "crypto/certificate_authority.h"
#include "http/authenticate_caller.h"
#include "http/console_routes.h"
#include "http/http_server.h"
#include "http/register_api.h"
#include "http/route_table.h"
#include "model/plan.h"
#include "registry/registry.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/auth/jwt_test_signer.h"

namespace iothub::http::testing {

using nlohmann::json;

inline constexpr char kJwtSecret[] = "http-test-secret-0123456789abcdef";
inline constexpr char kAdminToken[] = "bootstrap-admin-token-xyz";

// Records every Send and answers with `outcome` (an echo of the method by default).
class FakeCommandSender final : public CommandSender {
 public:
  CommandOutcome Send(const CommandRequest& request, bool wait) override {
    std::lock_guard lock(mu_);
    calls_.push_back({request, wait});
    if (next_) return *next_;
    CommandOutcome outcome;
    outcome.reply.id = "rpc-1";
    if (wait) outcome.reply.result = json{{"echo", request.method}};
    outcome.reply.metadata = {
        .execution_time_ms = 12,
        .sent_at = 1'700'000'000'000,
        .received_at = wait ? std::optional<UnixMillis>(1'700'000'000'012) : std::nullopt};
    return outcome;
  }
  void Answer(CommandOutcome outcome) {
    std::lock_guard lock(mu_);
    next_ = std::move(outcome);
  }
  std::vector<std::pair<CommandRequest, bool>> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<CommandRequest, bool>> calls_;
  std::optional<CommandOutcome> next_;
};

// What the store holds, to check that a refused request changed nothing.
struct StoreCounts {
  std::int64_t users = 0;
  std::int64_t devices = 0;
  std::size_t audit = 0;
  bool operator==(const StoreCounts&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const StoreCounts& c) {
  return out << "{users " << c.users << ", devices " << c.devices << ", audit " << c.audit << "}";
}

class ApiTest : public ::testing::Test {
 protected:
  ApiTest() { Start({"127.0.0.1"}); }
  ~ApiTest() override { Stop(); }

  // (Re)starts the server trusting `trusted_proxies`; `change` edits the context first.
  void Start(std::vector<std::string> trusted_proxies,
             const std::function<void(ApiContext&)>& change = {}) {
    Stop();
    if (!store_) {
      auto store = store::SqliteStore::Open(dir_.File("hub.db"));
      EXPECT_TRUE(store.ok()) << store.status();
      store_ = std::move(*store);
      auto cas = registry::CaKeyring::Open(dir_.path(), crypto::KeyType::kEcP256,
                                           clock_.NowUnixMillis(), /*create_if_missing=*/true);
      EXPECT_TRUE(cas.ok()) << cas.status();
      cas_ = std::move(*cas);
      registry_ = std::make_unique<registry::Registry>(*store_, *cas_, clock_, DefaultPlans());
      auto verifier =
          auth::JwtVerifier::Create(auth::JwtConfig{.hs_secrets = {kJwtSecret}}, nullptr);
      EXPECT_TRUE(verifier.ok()) << verifier.status();
      verifier_ = std::move(*verifier);
      Seed();
    }
    context_ = std::make_unique<ApiContext>(
        ApiContext{.registry = *registry_,
                   .jwt_verifier = verifier_.get(),
                   .command_sender = &sender_,
                   .clock = clock_,
                   .metrics = metrics_,
                   .options = {.admin_token = kAdminToken,
                               .trusted_proxies = std::move(trusted_proxies),
                               .body_limit_bytes = kDefaultBodyLimitBytes,
                               .version = "test"}});
    if (change) change(*context_);
    server_ = std::make_unique<HttpServer>(server_options_);
    RegisterApi(server_->routes(), *context_);
    RegisterConsole(server_->routes());
    auto port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    while (!server_->routes().is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(std::chrono::seconds(20));
    client_->set_write_timeout(std::chrono::seconds(20));
  }

  void Stop() {
    if (server_) server_->Stop();
  }

  void Seed() {
    auto make = [&](const char* email, const char* subject, Role role) {
      registry::NewUser user{.email = email, .name = "Test User", .role = role, .subject = subject};
      auto made = registry_->users().CreateUser(user, "test");
      EXPECT_TRUE(made.ok()) << made.status();
      return made.ok() ? *made : User{};
    };
    admin_ = make("admin@example.com", "sub-admin", Role::kAdmin);
    alice_ = make("alice@example.com", "sub-alice", Role::kUser);
    bob_ = make("bob@example.com", "sub-bob", Role::kUser);
  }

  // An HS256 token for `subject`; `extra` is merged into the payload.
  static std::string Token(const std::string& subject, json extra = json::object(),
                           std::int64_t exp_offset_s = 3600) {
    const std::int64_t now = std::time(nullptr);
    json payload{{"sub", subject}, {"iat", now}, {"exp", now + exp_offset_s}};
    payload.update(extra);
    return auth::testing::MakeToken("HS256", {.secret = kJwtSecret}, payload);
  }
  static httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  static httplib::Headers AdminToken() { return Bearer(kAdminToken); }
  static httplib::Headers Alice() { return Bearer(Token("sub-alice")); }
  static httplib::Headers Bob() { return Bearer(Token("sub-bob")); }
  static httplib::Headers AdminJwt() { return Bearer(Token("sub-admin")); }

  // Requests; a failed connection fails the test and answers status 0.
  struct Answer {
    int status = 0;
    json body;
    std::string text;
    httplib::Headers headers;
  };
  static Answer From(const httplib::Result& result) {
    Answer answer;
    if (!result) {
      ADD_FAILURE() << "request failed: " << httplib::to_string(result.error());
      return answer;
    }
    answer.status = result->status;
    answer.text = result->body;
    answer.headers = result->headers;
    answer.body = json::parse(result->body, nullptr, false);
    return answer;
  }
  Answer Get(const std::string& path, const httplib::Headers& headers) {
    return From(client_->Get(path, headers));
  }
  Answer Delete(const std::string& path, const httplib::Headers& headers) {
    return From(client_->Delete(path, headers));
  }
  Answer Send(const std::string& method, const std::string& path, const httplib::Headers& headers,
              const std::string& body, const std::string& type = "application/json") {
    if (method == "POST") return From(client_->Post(path, headers, body, type));
    if (method == "PATCH") return From(client_->Patch(path, headers, body, type));
    if (method == "PUT") return From(client_->Put(path, headers, body, type));
    return From(client_->Delete(path, headers, body, type));
  }
  Answer Post(const std::string& path, const httplib::Headers& headers, const json& body) {
    return Send("POST", path, headers, body.dump());
  }
  Answer Patch(const std::string& path, const httplib::Headers& headers, const json& body) {
    return Send("PATCH", path, headers, body.dump());
  }

  StoreCounts Counts() {
    StoreCounts counts;
    counts.users = store_->CountUsers().value_or(-1);
    counts.devices = store_->CountDevices(std::nullopt).value_or(-1);
    auto audit = store_->ListAudit(100000);
    counts.audit = audit.ok() ? audit->size() : 0;
    return counts;
  }

  // A device created through the registry, bound to `owner` when not empty; its claim
  // code goes to claim_codes_[id].
  Device MakeDevice(const std::string& id, const std::string& owner = "") {
    auto device = registry_->devices().CreateDevice({.id = id}, "test", &claim_codes_[id]);
    EXPECT_TRUE(device.ok()) << device.status();
    if (!owner.empty()) {
      device = registry_->devices().BindDevice(id, owner, "test");
      EXPECT_TRUE(device.ok()) << device.status();
    }
    return device.ok() ? *device : Device{};
  }

  // A CSR made with the openssl CLI (a new P-256 key).
  std::string MakeCsr(const std::string& name) {
    const std::string key = dir_.File(name + ".key");
    const std::string csr = dir_.File(name + ".csr");
    const std::string command =
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name +
        " -keyout " + key + " -out " + csr + " 2>/dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return iothub::testing::ReadFile(csr);
  }

  // The error code of an error answer.
  static std::string Code(const Answer& answer) {
    if (!answer.body.is_object() || !answer.body.contains("error")) return "<no error body>";
    return answer.body["error"].value("code", "<no code>");
  }

  iothub::testing::TempDir dir_;
  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<registry::CaKeyring> cas_;
  // The signing CA's certificate.
  std::string CaPem() { return cas_->set()->Signing()->ca.ca_certificate_pem(); }
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<auth::JwtVerifier> verifier_;
  FakeCommandSender sender_;
  std::unique_ptr<ApiContext> context_;
  HttpServerOptions server_options_;  // for the next Start()
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
  User admin_, alice_, bob_;
  std::map<std::string, std::string> claim_codes_;  // by device id, from MakeDevice
};

}  // namespace iothub::http::testing
