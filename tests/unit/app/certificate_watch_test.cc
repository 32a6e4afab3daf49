// CertificateWatch: expiry gauges and the 30-day window for the CAs, the hub's client
// certificate and the broker server certificates the hub issued; a retired CA is not
// warned about; a missing file is skipped.
#include "app/certificate_watch.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace iothub::app {
namespace {

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr UnixMillis kDay = 24LL * 3600 * 1000;

class CertificateWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cas = registry::CaKeyring::Open(dir_.path(), crypto::KeyType::kEcP256, kNow, true);
    ASSERT_TRUE(cas.ok()) << cas.status();
    cas_ = *std::move(cas);
    auto ca = cas_->SigningCa();
    ASSERT_TRUE(ca.ok());
    auto client = (*ca)->IssueClientCertificate("iot-hub", 20, kNow);
    ASSERT_TRUE(client.ok());
    iothub::testing::WriteFile(dir_.path() / "client.crt", client->certificate.pem);
    std::filesystem::create_directories(dir_.path() / "issued");
    auto server = (*ca)->IssueServerCertificate({"DNS:broker"}, "broker", 365, kNow);
    ASSERT_TRUE(server.ok());
    iothub::testing::WriteFile(dir_.path() / "issued/server-broker.crt", server->certificate.pem);
  }

  CertificateWatch Watch() {
    return CertificateWatch(
        {.cas = *cas_,
         .files = {{.kind = "hub_client", .id = "iot-hub", .file = dir_.path() / "client.crt"},
                   {.kind = "hub_client", .id = "gone", .file = dir_.path() / "none.crt"}},
         .issued_server_dir = dir_.path() / "issued",
         .metrics = metrics_,
         .clock = clock_});
  }

  std::string CaId() { return cas_->set()->entries()[0].id; }

  iothub::testing::TempDir dir_;
  std::unique_ptr<registry::CaKeyring> cas_;
  Metrics metrics_;
  ManualClock clock_{kNow};
};

// Now: only the 20-day client certificate is within 30 days; every gauge is set.
TEST_F(CertificateWatchTest, GaugesAndTheWindow) {
  CertificateWatch watch = Watch();
  const std::vector<ExpiryWarning> warnings = watch.CheckExpiry(kNow);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].kind, "hub_client");
  EXPECT_EQ(warnings[0].id, "iot-hub");
  EXPECT_EQ(warnings[0].subject, "CN=iot-hub");
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("iothub_certificate_expiry_seconds{kind=\"hub_client\",id=\"iot-hub\"} " +
                      std::to_string(20 * kDay / 1000)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("iothub_certificate_expiry_seconds{kind=\"ca\",id=\"" + CaId() + "\"}"),
            std::string::npos);
  EXPECT_NE(
      text.find("iothub_certificate_expiry_seconds{kind=\"broker_server\",id=\"server-broker\"}"),
      std::string::npos);
  EXPECT_EQ(text.find("id=\"gone\""), std::string::npos);
  EXPECT_NE(text.find("iothub_infra_certificates_expiring{kind=\"hub_client\"} 1"), std::string::npos);
  EXPECT_NE(text.find("iothub_infra_certificates_expiring{kind=\"ca\"} 0"), std::string::npos);
}

// Near the CA's end everything is within the window (expired ones count, negative
// seconds); a retired CA is no longer watched.
TEST_F(CertificateWatchTest, NearTheEndOfTheCa) {
  CertificateWatch watch = Watch();
  const UnixMillis late = cas_->set()->entries()[0].facts.not_after - 10 * kDay;
  EXPECT_EQ(watch.CheckExpiry(late).size(), 3u);
  EXPECT_NE(metrics_.Render().find("iothub_infra_certificates_expiring{kind=\"ca\"} 1"),
            std::string::npos);

  ASSERT_TRUE(cas_->Rotate(crypto::KeyType::kEcP256, late).ok());
  ASSERT_TRUE(cas_->MarkRetired(CaId(), late).ok());
  const std::vector<ExpiryWarning> after = watch.CheckExpiry(late);
  for (const ExpiryWarning& warning : after) EXPECT_NE(warning.id, CaId());
  EXPECT_NE(metrics_.Render().find("iothub_infra_certificates_expiring{kind=\"ca\"} 0"),
            std::string::npos);
}

}  // namespace
}  // namespace iothub::app
