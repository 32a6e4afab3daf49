#include "auth/device_authenticator.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "crypto/fingerprint.h"
#include "support/temp_dir.h"

namespace iothub::auth {
namespace {

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr int kDays = 30;

class DeviceAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = crypto::CertificateAuthority::Create(dir_.path() / "ca", kNow);
    ASSERT_TRUE(ca.ok()) << ca.status();
    std::vector<crypto::CaEntry> entries;
    entries.push_back({.id = crypto::CaIdOf(ca->ca_certificate_pem()),
                       .generation = 0,
                       .ca = *std::move(ca),
                       .facts = {},
                       .retired_at = std::nullopt});
    cas_.Store(std::make_shared<const crypto::CaSet>(std::move(entries)));
    ca_ = &cas_.Load()->entries()[0].ca;
    auto issued = ca_->IssueClientCertificate("device-d1", kDays, kNow);
    ASSERT_TRUE(issued.ok());
    cert_ = issued->certificate;
    Register(cert_, /*revoked=*/false, DeviceStatus::kBound);
  }

  void Register(const crypto::IssuedCertificate& cert, bool revoked, DeviceStatus status) {
    fleet_ = FleetSnapshot();
    fleet_.AddDevice({.id = "d1",
                      .owner_id = "u1",
                      .status = status,
                      .current_fingerprint = cert.fingerprint,
                      .has_certificate = true});
    fleet_.AddCertificate(cert.fingerprint, {.device_id = "d1",
                                             .valid_from = cert.valid_from,
                                             .valid_to = cert.valid_to,
                                             .revoked = revoked});
  }

  // As EMQX sends it on the devices listener: cn/dn of d1's verified TLS certificate.
  AuthResult Auth(std::string_view clientid, std::string_view username, UnixMillis now = kNow,
                  DeviceAuthOptions options = {}, std::string_view cn = "device-d1",
                  std::string_view dn = "CN=device-d1", std::uint32_t sockport = 8883) {
    return DeviceAuthenticator(cas_, options)
        .Authenticate(
            {.clientid = clientid, .username = username, .cn = cn, .dn = dn, .sockport = sockport},
            fleet_, now);
  }

  std::string Username(const crypto::IssuedCertificate& cert) {
    return crypto::Base64Encode(cert.der);
  }

  testing::TempDir dir_;
  SnapshotCell<crypto::CaSet> cas_;
  const crypto::CertificateAuthority* ca_ = nullptr;  // the one CA of cas_
  crypto::IssuedCertificate cert_;
  FleetSnapshot fleet_;
};

// The registered, current certificate of a device admits it as that device and owner.
TEST_F(DeviceAuthenticatorTest, AdmitsRegisteredCertificate) {
  const AuthResult result = Auth("d1", Username(cert_));
  ASSERT_TRUE(result.admitted()) << result.reason;
  EXPECT_EQ(result.principal->kind, PrincipalKind::kDevice);
  EXPECT_EQ(result.principal->id, "d1");
  EXPECT_EQ(result.principal->owner_id, "u1");
  EXPECT_EQ(result.principal->clientid, "d1");
}

// A certificate in the username is admitted only with the broker's proof that the client
// holds its key: cn/dn of the verified TLS certificate, equal to the username's.
TEST_F(DeviceAuthenticatorTest, RequiresTheBrokersProofOfPossession) {
  const std::string username = Username(cert_);
  EXPECT_EQ(Auth("d1", username, kNow, {}, "", "").reason,
            "no verified TLS client certificate (dn empty)");
  EXPECT_EQ(Auth("d1", username, kNow, {}, "device-d1", "").reason,
            "no verified TLS client certificate (dn empty)");
  EXPECT_EQ(Auth("d1", username, kNow, {}, "", "CN=device-d1").reason,
            "certificate is not the client's TLS certificate");
  // Another device's TLS certificate, this one's in the username.
  EXPECT_EQ(Auth("d1", username, kNow, {}, "device-d2", "CN=device-d2").reason,
            "certificate is not the client's TLS certificate");
  EXPECT_EQ(Auth("d1", username, kNow, {}, "device-d1", "CN=device-d1,O=Other").reason,
            "certificate is not the client's TLS certificate");
  EXPECT_EQ(Auth("d1", username, kNow, {}, "device-d1 ", "CN=device-d1").reason,
            "certificate is not the client's TLS certificate");
  EXPECT_TRUE(Auth("d1", username).admitted());
}

// The hub's own certificate needs the same proof.
TEST_F(DeviceAuthenticatorTest, HubCertificateRequiresProof) {
  auto hub = ca_->IssueClientCertificate("iot-hub", kDays, kNow);
  ASSERT_TRUE(hub.ok());
  DeviceAuthOptions options;
  options.hub_fingerprint = hub->certificate.fingerprint;
  const std::string username = Username(hub->certificate);
  EXPECT_EQ(Auth("hub", username, kNow, options, "", "").reason,
            "no verified TLS client certificate (dn empty)");
  EXPECT_EQ(Auth("hub", username, kNow, options, "device-d1", "CN=device-d1").reason,
            "certificate is not the client's TLS certificate");
  const AuthResult admitted = Auth("hub", username, kNow, options, "iot-hub", "CN=iot-hub");
  ASSERT_TRUE(admitted.admitted()) << admitted.reason;
  EXPECT_TRUE(admitted.principal->hub_link);
}

// With certificate_ports set, a certificate login elsewhere is refused.
TEST_F(DeviceAuthenticatorTest, CertificatePortsRestrictListeners) {
  DeviceAuthOptions options;
  options.certificate_ports = {8883};
  const std::string username = Username(cert_);
  EXPECT_TRUE(Auth("d1", username, kNow, options).admitted());
  EXPECT_EQ(Auth("d1", username, kNow, options, "device-d1", "CN=device-d1", 8884).reason,
            "certificate login on a listener not in auth.certificate_ports");
  EXPECT_TRUE(Auth("d1", username, kNow, {}, "device-d1", "CN=device-d1", 8884).admitted());
}

// Each way a certificate can be wrong is refused with its own reason.
TEST_F(DeviceAuthenticatorTest, RefusesWithDistinctReasons) {
  EXPECT_EQ(Auth("d1", "").reason, "no client certificate");
  EXPECT_EQ(Auth("d1", "!!!not base64!!!").reason, "username is not a base64 DER certificate");
  EXPECT_EQ(Auth("d1", std::string(64 * 1024, 'A')).reason,
            "username is not a base64 DER certificate");
  EXPECT_EQ(Auth("d1", "-----BEGIN CERTIFICATE-----\n" + Username(cert_)).reason,
            "username is not a base64 DER certificate");
  EXPECT_EQ(Auth("d1", crypto::Base64Encode("garbage bytes")).reason, "not a certificate");
  EXPECT_EQ(Auth("other", Username(cert_)).reason,
            "clientid does not match the certificate's device");
  EXPECT_EQ(Auth("d1", Username(cert_), cert_.valid_to + 1).reason, "certificate expired");
  EXPECT_EQ(Auth("d1", Username(cert_), cert_.valid_from - 1).reason, "certificate not yet valid");

  // A certificate of the same CA that the registry does not know.
  auto stranger = ca_->IssueClientCertificate("device-d2", kDays, kNow);
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(Auth("d2", Username(stranger->certificate)).reason, "certificate not registered");

  // A certificate of another CA.
  testing::TempDir other_dir;
  auto other_ca = crypto::CertificateAuthority::Create(other_dir.path(), kNow);
  ASSERT_TRUE(other_ca.ok());
  auto foreign = other_ca->IssueClientCertificate("device-d1", kDays, kNow);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(Auth("d1", Username(foreign->certificate)).reason,
            "certificate not issued by the hub's CA");
}

// After a rotation, an unregistered certificate of a retired CA is refused as such, and
// one of the (trusted) older CA is still recognised as the hub's.
TEST_F(DeviceAuthenticatorTest, CertificatesOfRetiredCas) {
  testing::TempDir other_dir;
  auto older = crypto::CertificateAuthority::Create(other_dir.path(), kNow);
  ASSERT_TRUE(older.ok());
  auto old_cert = older->IssueClientCertificate("device-d2", kDays, kNow);
  ASSERT_TRUE(old_cert.ok());
  const std::string old_id = crypto::CaIdOf(older->ca_certificate_pem());
  std::vector<crypto::CaEntry> entries;
  entries.push_back(
      {.id = old_id, .generation = 0, .ca = *std::move(older), .facts = {}, .retired_at = kNow});
  auto current = crypto::CertificateAuthority::Load(dir_.path() / "ca");
  ASSERT_TRUE(current.ok());
  entries.push_back({.id = crypto::CaIdOf(current->ca_certificate_pem()),
                     .generation = 1,
                     .ca = *std::move(current),
                     .facts = {},
                     .retired_at = std::nullopt});
  auto keep = cas_.Load();  // ca_ points into it
  cas_.Store(std::make_shared<const crypto::CaSet>(std::move(entries)));
  EXPECT_EQ(Auth("d2", Username(old_cert->certificate)).reason,
            "certificate issued by a retired CA");
  auto stranger = ca_->IssueClientCertificate("device-d2", kDays, kNow);
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(Auth("d2", Username(stranger->certificate)).reason, "certificate not registered");
}

// A revoked certificate, a revoked device and a superseded certificate are refused.
TEST_F(DeviceAuthenticatorTest, RevocationAndSupersession) {
  Register(cert_, /*revoked=*/true, DeviceStatus::kBound);
  EXPECT_EQ(Auth("d1", Username(cert_)).reason, "certificate revoked");
  Register(cert_, /*revoked=*/false, DeviceStatus::kRevoked);
  EXPECT_EQ(Auth("d1", Username(cert_)).reason, "device revoked");

  auto newer = ca_->IssueClientCertificate("device-d1", kDays, kNow);
  ASSERT_TRUE(newer.ok());
  Register(newer->certificate, false, DeviceStatus::kBound);
  fleet_.AddCertificate(cert_.fingerprint, {.device_id = "d1",
                                            .valid_from = cert_.valid_from,
                                            .valid_to = cert_.valid_to,
                                            .revoked = false});
  EXPECT_EQ(Auth("d1", Username(cert_)).reason, "certificate superseded by a newer one");
  EXPECT_TRUE(Auth("d1", Username(newer->certificate)).admitted());
}

// With the clientid check relaxed, any clientid is admitted as the certificate's device.
TEST_F(DeviceAuthenticatorTest, ClientIdCheckCanBeRelaxed) {
  const AuthResult result =
      Auth("anything", Username(cert_), kNow, {.require_clientid_match = false});
  ASSERT_TRUE(result.admitted());
  EXPECT_EQ(result.principal->id, "d1");
}

}  // namespace
}  // namespace iothub::auth

namespace iothub::auth {
namespace {

// The hub's own certificate is admitted as the hub's service principal, and only it.
TEST_F(DeviceAuthenticatorTest, HubCertificateIsTheServicePrincipal) {
  auto hub = ca_->IssueClientCertificate("iot-hub", kDays, kNow);
  ASSERT_TRUE(hub.ok());
  const DeviceAuthOptions options{.hub_fingerprint = hub->certificate.fingerprint};
  const AuthResult result =
      Auth("iot-hub-link", Username(hub->certificate), kNow, options, "iot-hub", "CN=iot-hub");
  ASSERT_TRUE(result.admitted()) << result.reason;
  EXPECT_EQ(result.principal->kind, PrincipalKind::kService);
  EXPECT_EQ(result.principal->id, "iot-hub");
  EXPECT_EQ(Auth("d1", Username(cert_), kNow, options).principal->kind, PrincipalKind::kDevice);
}

}  // namespace
}  // namespace iothub::auth

namespace iothub::auth {
namespace {

// Only the hub's own certificate marks a principal as the hub's link.
TEST_F(DeviceAuthenticatorTest, OnlyTheHubCertificateIsTheHubLink) {
  auto hub = ca_->IssueClientCertificate("iot-hub", kDays, kNow);
  ASSERT_TRUE(hub.ok());
  const DeviceAuthOptions options{.hub_fingerprint = hub->certificate.fingerprint};
  EXPECT_TRUE(Auth("link", Username(hub->certificate), kNow, options, "iot-hub", "CN=iot-hub")
                  .principal->hub_link);
  EXPECT_FALSE(Auth("d1", Username(cert_), kNow, options).principal->hub_link);
}

}  // namespace
}  // namespace iothub::auth

namespace iothub::auth {
namespace {

// After a renewal: the current (renewed) certificate admits and ends the grace; the one
// in grace admits until its grace_until, then is refused as superseded.
TEST_F(DeviceAuthenticatorTest, CertificateInGraceAdmitsUntilItEnds) {
  auto renewed = ca_->IssueClientCertificate("device-d1", kDays, kNow);
  ASSERT_TRUE(renewed.ok());
  const crypto::IssuedCertificate& successor = renewed->certificate;
  fleet_ = FleetSnapshot();
  fleet_.AddDevice({.id = "d1",
                    .owner_id = "u1",
                    .status = DeviceStatus::kBound,
                    .current_fingerprint = successor.fingerprint,
                    .has_certificate = true,
                    .has_grace_certificate = true});
  fleet_.AddCertificate(successor.fingerprint, {.device_id = "d1",
                                                .valid_from = successor.valid_from,
                                                .valid_to = successor.valid_to,
                                                .revoked = false});
  fleet_.AddCertificate(cert_.fingerprint, {.device_id = "d1",
                                            .valid_from = cert_.valid_from,
                                            .valid_to = cert_.valid_to,
                                            .revoked = false,
                                            .grace_until = kNow + 1000});

  const AuthResult old_login = Auth("d1", Username(cert_));
  ASSERT_TRUE(old_login.admitted()) << old_login.reason;
  EXPECT_FALSE(old_login.principal->ends_grace);
  EXPECT_EQ(old_login.principal->certificate_fingerprint,
            crypto::FormatFingerprint(cert_.fingerprint));
  EXPECT_TRUE(Auth("d1", Username(cert_), kNow + 1000).admitted());
  EXPECT_EQ(Auth("d1", Username(cert_), kNow + 1001).reason,
            "certificate superseded by a newer one");

  const AuthResult new_login = Auth("d1", Username(successor));
  ASSERT_TRUE(new_login.admitted()) << new_login.reason;
  EXPECT_TRUE(new_login.principal->ends_grace);
  EXPECT_EQ(new_login.principal->certificate_fingerprint,
            crypto::FormatFingerprint(successor.fingerprint));
}

}  // namespace
}  // namespace iothub::auth
