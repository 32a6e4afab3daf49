#include "auth/jwks_source.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "auth/jwt_verifier.h"
#include "support/temp_dir.h"
#include "unit/auth/jwt_test_signer.h"

namespace iothub::auth {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::MakeToken;
using testing::TestKeys;

constexpr UnixMillis kNow = 1'700'000'000'000;

json Payload() { return {{"sub", "svc-1"}, {"exp", kNow / 1000 + 60}}; }

json Jwks(std::initializer_list<json> keys) { return {{"keys", json::array_t(keys)}}; }

// A JWKS endpoint on 127.0.0.1 and a free port, serving a document tests may change.
class JwksServer {
 public:
  explicit JwksServer(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {
    server_->Get("/certs", [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      std::lock_guard<std::mutex> lock(mu_);
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~JwksServer() {
    server_->stop();
    thread_.join();
  }
  void Serve(const json& jwks, int status = 200) {
    std::lock_guard<std::mutex> lock(mu_);
    body_ = jwks.dump();
    status_ = status;
  }
  std::string Url(std::string_view scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + "/certs";
  }
  int requests() const { return requests_.load(); }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::string body_ = "{}";
  int status_ = 200;
};

std::unique_ptr<JwtVerifier> VerifierFor(std::shared_ptr<JwksSource> source) {
  return *JwtVerifier::Create(JwtConfig{}, std::move(source));
}

// Polls `condition` every 10 ms for up to two seconds.
bool Eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 200; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

// A JWKS file with RSA and EC keys verifies tokens of each.
TEST(JwksSourceTest, LoadsFile) {
  iothub::testing::TempDir dir;
  iothub::testing::WriteFile(dir.File("jwks.json"),
                             Jwks({testing::RsaJwk(TestKeys().rsa.get(), "r"),
                                   testing::EcJwk(TestKeys().ec256.get(), "e", "P-256")})
                                 .dump());
  ManualClock clock;
  auto source = JwksSource::Create({.file = dir.File("jwks.json")}, &clock);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current()->keys().size(), 2u);
  const auto verifier = VerifierFor(*source);
  EXPECT_TRUE(
      verifier->Verify(MakeToken("RS256", {.key = TestKeys().rsa.get()}, Payload(), "r"), kNow)
          .ok());
  EXPECT_TRUE(
      verifier->Verify(MakeToken("ES256", {.key = TestKeys().ec256.get()}, Payload(), "e"), kNow)
          .ok());
}

// Start-up fails clearly on a missing file, an empty key set, or bad options.
TEST(JwksSourceTest, CreateErrors) {
  iothub::testing::TempDir dir;
  ManualClock clock;
  EXPECT_FALSE(JwksSource::Create({.file = dir.File("missing.json")}, &clock).ok());
  iothub::testing::WriteFile(dir.File("empty.json"), R"({"keys": []})");
  EXPECT_FALSE(JwksSource::Create({.file = dir.File("empty.json")}, &clock).ok());
  EXPECT_FALSE(JwksSource::Create({}, &clock).ok());
  EXPECT_FALSE(JwksSource::Create({.url = "ftp://127.0.0.1/x"}, &clock).ok());
  // Nothing listens on port 1: fails fast instead of hanging.
  EXPECT_FALSE(JwksSource::Create(
                   {.url = "http://127.0.0.1:1/certs", .fetch_timeout = milliseconds(500)}, &clock)
                   .ok());
}

// A token with a new kid fails with kUnknownKey, the source refreshes in the background,
// and the retry passes; unknown-kid refreshes are rate-limited.
TEST(JwksSourceTest, UnknownKidTriggersBackgroundRefresh) {
  JwksServer server;
  server.Serve(Jwks({testing::RsaJwk(TestKeys().rsa.get(), "old")}));
  ManualClock clock;
  auto source = JwksSource::Create({.url = server.Url(),
                                    .refresh_interval = std::chrono::seconds(30),
                                    .periodic_refresh = milliseconds(0)},
                                   &clock);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(server.requests(), 1);
  const auto verifier = VerifierFor(*source);

  // The identity provider rotates in a new key.
  server.Serve(Jwks({testing::RsaJwk(TestKeys().rsa.get(), "old"),
                     testing::RsaJwk(TestKeys().rsa2.get(), "new")}));
  const std::string token = MakeToken("RS256", {.key = TestKeys().rsa2.get()}, Payload(), "new");
  const JwtResult first = verifier->Verify(token, kNow);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.failure(), JwtFailure::kUnknownKey);
  EXPECT_TRUE(Eventually([&] { return verifier->Verify(token, kNow).ok(); }));
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ((*source)->loads(), 2u);

  // Made-up kids within the interval do not reach the server.
  const std::string ghost = MakeToken("RS256", {.key = TestKeys().rsa.get()}, Payload(), "ghost");
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(verifier->Verify(ghost, kNow).failure(), JwtFailure::kUnknownKey);
  }
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(server.requests(), 2);
  // After the interval one more refresh is allowed.
  clock.Advance(std::chrono::seconds(31));
  EXPECT_EQ(verifier->Verify(ghost, kNow).failure(), JwtFailure::kUnknownKey);
  EXPECT_TRUE(Eventually([&] { return server.requests() == 3; }));
}

// The source refreshes periodically on its own, and a failed fetch keeps the old keys.
TEST(JwksSourceTest, PeriodicRefreshAndFailureKeepsKeys) {
  JwksServer server;
  server.Serve(Jwks({testing::EcJwk(TestKeys().ec384.get(), "e384", "P-384")}));
  ManualClock clock;
  auto source =
      JwksSource::Create({.url = server.Url(), .periodic_refresh = milliseconds(20)}, &clock);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_TRUE(Eventually([&] { return server.requests() >= 3; }));

  server.Serve(json{{"error", "down"}}, 503);
  const std::uint64_t failures = (*source)->failures();
  EXPECT_TRUE(Eventually([&] { return (*source)->failures() > failures; }));
  EXPECT_FALSE((*source)->last_status().ok());
  EXPECT_FALSE((*source)->RefreshNow().ok());
  const auto verifier = VerifierFor(*source);
  EXPECT_TRUE(
      verifier->Verify(MakeToken("ES384", {.key = TestKeys().ec384.get()}, Payload(), "e384"), kNow)
          .ok());
}

// Self-signed certificate and key for 127.0.0.1, as PEM files in `dir`.
void WriteServerCert(const iothub::testing::TempDir& dir) {
  EVP_PKEY* key = TestKeys().ec256.get();
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  BIO* out = BIO_new_file(dir.File("cert.pem").c_str(), "w");
  PEM_write_bio_X509(out, cert);
  BIO_free(out);
  out = BIO_new_file(dir.File("key.pem").c_str(), "w");
  PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(out);
  X509_free(cert);
}

// https URLs work (Debian's cpp-httplib has TLS), trusting the configured CA file.
TEST(JwksSourceTest, FetchesOverHttps) {
  iothub::testing::TempDir dir;
  WriteServerCert(dir);
  JwksServer server(std::make_unique<httplib::SSLServer>(dir.File("cert.pem").c_str(),
                                                         dir.File("key.pem").c_str()));
  server.Serve(Jwks({testing::RsaJwk(TestKeys().rsa.get(), "r")}));
  ManualClock clock;
  auto trusted = JwksSource::Create(
      {.url = server.Url("https"), .ca_file = dir.File("cert.pem"), .periodic_refresh = {}},
      &clock);
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ((*trusted)->Current()->keys().size(), 1u);
  // With the system's CAs only, the self-signed server is not trusted.
  auto untrusted = JwksSource::Create({.url = server.Url("https"), .periodic_refresh = {}}, &clock);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(untrusted.ok());
}

}  // namespace
}  // namespace iothub::auth
