// Device identity over gRPC against the real binary, as EMQX calls it with
// `peer_cert_as_username = pem`: who is admitted, who is refused and why (the reason in
// the hub's log), and how CLI changes made while the hub runs (revoke, a new certificate)
// reach the next client.authenticate. Both service names (v2 and v3).
#include <gtest/gtest.h>

#include <chrono>

#include "support/hub_flow.h"
#include "support/jwt_maker.h"

namespace iothub::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class IdentityDeviceTest : public ::testing::TestWithParam<ServiceVersion> {
 protected:
  ServiceVersion v() const { return GetParam(); }

  // Authenticates and expects a refusal whose reason the hub logs. `cn`/`dn`: the
  // verified TLS certificate the broker reports (by default dev-1's, on the mTLS
  // listener).
  void ExpectRefused(const std::string& clientid, const std::string& username,
                     const std::string& reason, const std::string& cn = "device-dev-1",
                     const std::string& dn = "CN=device-dev-1") {
    SCOPED_TRACE("expected reason: " + reason);
    const std::size_t log_before = flow_.Log().size();
    EXPECT_TRUE(IsDeny(flow_.Authenticate(v(), clientid, username, "", cn, dn)));
    EXPECT_TRUE(Eventually([&] {
      const std::string log = flow_.Log();
      return log.size() > log_before &&
             log.find("reason=" + reason, log_before) != std::string::npos;
    })) << flow_.Log().substr(log_before);
  }

  // `openssl <args>` in the test's directory; EXPECTs success.
  void OpenSsl(const std::string& args) {
    const ShellOutput out = RunShell("cd '" + flow_.dir().path().string() + "' && openssl " + args);
    EXPECT_EQ(out.exit_code, 0) << "openssl " << args << "\n" << out.output;
  }

  // Signs `csr` with the hub's own CA key through `openssl ca`, with explicit validity
  // dates (YYYYMMDDHHMMSSZ), bypassing the registry: the certificate is genuinely the
  // CA's but the hub never recorded it. Returns the PEM.
  std::string SignWithHubCaKey(const std::string& csr, const std::string& name,
                               const std::string& start, const std::string& end) {
    const std::string base = flow_.dir().File("openssl-ca");
    if (!std::filesystem::exists(base)) {
      std::filesystem::create_directories(base + "/newcerts");
      WriteFile(base + "/index.txt", "");
      WriteFile(base + "/serial", "4A11CE\n");
      std::string config = R"([ ca ]
default_ca = hub
[ hub ]
database = @BASE@/index.txt
new_certs_dir = @BASE@/newcerts
certificate = @CA@/ca.crt
private_key = @CA@/ca.key
serial = @BASE@/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
x509_extensions = client
[ any ]
commonName = supplied
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";
      for (const auto& [from, to] : {std::pair<std::string, std::string>{"@BASE@", base},
                                     {"@CA@", (flow_.data_dir() / "ca").string()}}) {
        for (std::size_t at; (at = config.find(from)) != std::string::npos;) {
          config.replace(at, from.size(), to);
        }
      }
      WriteFile(base + "/ca.cnf", config);
    }
    const std::string out = flow_.dir().File(name + ".crt");
    OpenSsl("ca -batch -notext -config '" + base + "/ca.cnf' -in '" + csr + "' -out '" + out +
            "' -startdate " + start + " -enddate " + end);
    return ReadFile(out);
  }

  // A client certificate extension file for `openssl x509 -req`.
  std::string ClientExtensions() {
    const std::string path = flow_.dir().File("client-ext.cnf");
    WriteFile(path,
              "basicConstraints = critical, CA:FALSE\n"
              "keyUsage = critical, digitalSignature, keyEncipherment\n"
              "extendedKeyUsage = clientAuth\n"
              "authorityKeyIdentifier = keyid\n");
    return path;
  }

  HubFlow flow_;
};

// A registered device presenting its current certificate (EC P-256 or RSA 2048 key) with
// clientid = device id is admitted, and the session it opens is the device's: it may then
// publish its (bound) status topic, and nothing of another device.
TEST_P(IdentityDeviceTest, RegisteredDeviceWithCurrentCertificateIsAdmitted) {
  const DeviceCert ec = flow_.CreateDevice("dev-ec", KeyKind::kEcP256);
  const DeviceCert rsa = flow_.CreateDevice("dev-rsa", KeyKind::kRsa2048);
  const std::string u1 = flow_.CreateUser("u1@example.com", "U1", "sub-u1");
  flow_.Bind("dev-ec", u1);
  flow_.Bind("dev-rsa", u1);
  ASSERT_FALSE(ec.username.empty());
  ASSERT_FALSE(rsa.username.empty());
  EXPECT_EQ(ec.cn, "device-dev-ec");
  EXPECT_EQ(ec.dn, "CN=device-dev-ec");
  ASSERT_TRUE(flow_.Start());
  EXPECT_GT(rsa.username.size(), ec.username.size());  // about 1.2 KB for RSA 2048

  const std::string tree = "users/" + u1 + "/devices/";
  EXPECT_TRUE(IsAllow(flow_.ConnectDevice(v(), ec)));
  EXPECT_TRUE(IsAllow(flow_.ConnectDevice(v(), rsa)));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "dev-ec", false, tree + "dev-ec/status")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-ec", false, tree + "dev-rsa/status")));
  EXPECT_TRUE(IsAllow(flow_.Authorize(v(), "dev-rsa", false, tree + "dev-rsa/status")));
  // The certificate itself (a credential-like blob) is not logged.
  EXPECT_FALSE(flow_.LogContains(ec.username.substr(0, 64)));
}

// Usernames that are not the base64 of one certificate's DER are refused, each with its
// reason: no username, garbage, valid base64 of garbage, a PEM with header lines (the
// zone is not in pem mode), a registered certificate with a byte appended, and 64 KB.
TEST_P(IdentityDeviceTest, MalformedUsernamesAreRefused) {
  const DeviceCert cert = flow_.CreateDevice("dev-1");
  ASSERT_TRUE(flow_.Start());
  ExpectRefused("dev-1", "", "no client certificate");
  ExpectRefused("dev-1", "!!not*base64@@", "username is not a base64 DER certificate");
  ExpectRefused("dev-1", cert.username + "\n", "username is not a base64 DER certificate");
  ExpectRefused("dev-1", Base64Std("this is not a certificate, only text"), "not a certificate");
  ExpectRefused("dev-1", cert.pem, "username is not a base64 DER certificate");
  const std::string der_plus_one = [&] {
    const ShellOutput der = RunShell("printf '%s' '" + cert.username + "' | base64 -d");
    return der.output + std::string(1, '\0');
  }();
  ExpectRefused("dev-1", Base64Std(der_plus_one), "not a certificate");
  ExpectRefused("dev-1", std::string(64 * 1024, 'A'), "username is not a base64 DER certificate");
  // The hub is still up and the real certificate still works.
  EXPECT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-1", cert)));
}

// Certificates the hub's CA did not sign are refused though they name a registered
// device: one from another CA, one from an impostor CA that copies the hub CA's name and
// key identifier, and a self-signed one.
TEST_P(IdentityDeviceTest, CertificatesNotSignedByTheHubsCaAreRefused) {
  flow_.CreateDevice("dev-1");
  ASSERT_TRUE(flow_.Start());
  const std::string ext = ClientExtensions();
  const std::string csr = flow_.MakeCsr("intruder", KeyKind::kEcP256, "/CN=device-dev-1");

  OpenSsl(
      "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 "
      "-subj '/CN=Other CA' -keyout other-ca.key -out other-ca.crt");
  OpenSsl("x509 -req -in '" + csr +
          "' -CA other-ca.crt -CAkey other-ca.key -set_serial 77 "
          "-days 30 -extfile '" +
          ext + "' -out other.crt");
  ExpectRefused("dev-1", PemModeUsername(ReadFile(flow_.dir().File("other.crt"))),
                "certificate not issued by the hub's CA");

  // Same subject and subject key identifier as the hub's CA, another key: the device
  // certificate names the hub's CA as issuer (name and key id); only the signature is
  // wrong.
  const std::string hub_ca = (flow_.data_dir() / "ca/ca.crt").string();
  OpenSsl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out impostor.key");
  OpenSsl("x509 -in '" + hub_ca + "' -signkey impostor.key -out impostor.crt");
  OpenSsl("x509 -req -in '" + csr +
          "' -CA impostor.crt -CAkey impostor.key -set_serial 78 "
          "-days 30 -extfile '" +
          ext + "' -out impostor-signed.crt");
  const ShellOutput hub_key_id =
      RunShell("openssl x509 -noout -ext subjectKeyIdentifier -in '" + hub_ca + "' | tail -n 1");
  const ShellOutput impostor_issuer =
      RunShell("openssl x509 -noout -issuer -ext authorityKeyIdentifier -in '" +
               flow_.dir().File("impostor-signed.crt") + "'");
  const std::string key_id = hub_key_id.output.substr(
      hub_key_id.output.find_first_not_of(' '),
      hub_key_id.output.find('\n') - hub_key_id.output.find_first_not_of(' '));
  ASSERT_GE(key_id.size(), 20u) << hub_key_id.output;
  const std::string hub_subject =
      RunShell("openssl x509 -noout -subject -in '" + hub_ca + "'").output;  // "subject=..."
  EXPECT_NE(impostor_issuer.output.find("issuer" + hub_subject.substr(hub_subject.find('='))),
            std::string::npos)
      << impostor_issuer.output << " vs " << hub_subject;
  EXPECT_NE(impostor_issuer.output.find(key_id), std::string::npos)
      << impostor_issuer.output << " lacks " << key_id;
  ExpectRefused("dev-1", PemModeUsername(ReadFile(flow_.dir().File("impostor-signed.crt"))),
                "certificate not issued by the hub's CA");

  OpenSsl(
      "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 "
      "-subj /CN=device-dev-1 -addext extendedKeyUsage=clientAuth "
      "-keyout self.key -out self.crt");
  ExpectRefused("dev-1", PemModeUsername(ReadFile(flow_.dir().File("self.crt"))),
                "certificate not issued by the hub's CA");
}

// Certificates genuinely signed by the hub's CA key but never recorded by the registry
// are refused: expired, not yet valid, and even one inside its validity (a registered
// fingerprint is what admits, not the signature alone).
TEST_P(IdentityDeviceTest, CaSignedButUnregisteredCertificatesAreRefused) {
  flow_.CreateDevice("dev-1");
  ASSERT_TRUE(flow_.Start());
  const std::string csr = flow_.MakeCsr("rogue", KeyKind::kEcP256, "/CN=device-dev-1");
  const std::string expired =
      SignWithHubCaKey(csr, "expired", "20200101000000Z", "20200201000000Z");
  ASSERT_FALSE(expired.empty());
  ExpectRefused("dev-1", PemModeUsername(expired), "certificate outside its validity period");
  const std::string future = SignWithHubCaKey(csr, "future", "20990101000000Z", "20991231000000Z");
  ExpectRefused("dev-1", PemModeUsername(future), "certificate outside its validity period");
  const std::string current =
      SignWithHubCaKey(csr, "current", "20200101000000Z", "20990101000000Z");
  ExpectRefused("dev-1", PemModeUsername(current), "certificate not registered");
}

// A registered certificate whose recorded validity has ended (or not begun) is refused
// with that reason; the record is changed in SQLite while the hub runs, since the test
// cannot wait a day for a certificate to expire.
TEST_P(IdentityDeviceTest, RegisteredCertificateOutsideItsValidityIsRefused) {
  const DeviceCert cert = flow_.CreateDevice("dev-1");
  ASSERT_TRUE(flow_.Start());
  ASSERT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-1", cert)));
  const std::string db = (flow_.data_dir() / "hub.db").string();

  ShellOutput update = RunShell("sqlite3 -cmd '.timeout 5000' '" + db +
                                "' \"UPDATE certificates SET valid_to = valid_from + 1000"
                                " WHERE device_id = 'dev-1'\"");
  ASSERT_EQ(update.exit_code, 0) << update.output;
  EXPECT_TRUE(Eventually([&] { return IsDeny(flow_.AuthenticateDevice(v(), "dev-1", cert)); }));
  EXPECT_TRUE(flow_.WaitForLog("reason=certificate expired"));

  update = RunShell("sqlite3 -cmd '.timeout 5000' '" + db +
                    "' \"UPDATE certificates SET valid_from = 4102444800000,"
                    " valid_to = 4133980800000 WHERE device_id = 'dev-1'\"");
  ASSERT_EQ(update.exit_code, 0) << update.output;
  EXPECT_TRUE(Eventually([&] {
    return IsDeny(flow_.AuthenticateDevice(v(), "dev-1", cert)) &&
           flow_.LogContains("reason=certificate not yet valid");
  })) << flow_.Log();
}

// A device's certificate is public: as a username without the broker's proof that the
// client holds its key (cn/dn of the listener's verified TLS certificate, empty on a
// listener without client certificates) it is refused, and so with another device's
// TLS certificate; on the mTLS listener the device is admitted.
TEST_P(IdentityDeviceTest, CertificateAsUsernameNeedsTheBrokersProof) {
  const DeviceCert d1 = flow_.CreateDevice("dev-1");
  const DeviceCert d2 = flow_.CreateDevice("dev-2");
  ASSERT_TRUE(flow_.Start());
  ExpectRefused("dev-2", d2.username, "no verified TLS client certificate (dn empty)", "", "");
  ExpectRefused("dev-2", d2.username, "no verified TLS client certificate (dn empty)", d2.cn, "");
  ExpectRefused("dev-2", d2.username, "certificate is not the client's TLS certificate", d1.cn,
                d1.dn);
  ExpectRefused("dev-2", d2.username, "certificate is not the client's TLS certificate", d2.cn,
                d1.dn);
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-2", true, "users/+/devices/dev-2/rpc/request")));
  EXPECT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-2", d2)));
}

// The hub's own client certificate (data/hub-client/client.crt) is admitted as the hub's
// link only with the same proof; without it, it is refused like any copied certificate.
TEST_P(IdentityDeviceTest, HubCertificateNeedsTheBrokersProof) {
  // The broker link is enabled (so the hub issues its certificate) but finds no broker.
  HubFlow flow(
      {.extra_toml = "[mqtt]\nenabled = true\nhost = \"127.0.0.1\"\nport = 1\n", .env = {}});
  const DeviceCert device = flow.CreateDevice("dev-1");
  ASSERT_TRUE(flow.Start());
  const std::string pem = ReadFile(flow.data_dir() / "hub-client" / "client.crt");
  ASSERT_FALSE(pem.empty());
  const DeviceCert hub = flow.CertFromPem("iot-hub", pem);
  EXPECT_EQ(hub.cn, "iot-hub");
  EXPECT_TRUE(IsDeny(flow.Authenticate(v(), "intruder", hub.username)));
  EXPECT_TRUE(IsDeny(flow.Authenticate(v(), "intruder", hub.username, "", device.cn, device.dn)));
  EXPECT_TRUE(
      flow.WaitForLog("clientid=intruder peer=127.0.0.1 reason=certificate is not the "
                      "client's TLS certificate"))
      << flow.Log();
  EXPECT_TRUE(IsDeny(flow.Authorize(v(), "intruder", true, "users/#")));
  // With the proof: the hub's link, which may read users/#.
  ASSERT_TRUE(IsAllow(flow.ConnectDevice(v(), hub, "hub-link")));
  EXPECT_TRUE(IsAllow(flow.Authorize(v(), "hub-link", true, "users/#")));
}

// A certificate properly issued for device A, presented with device B's clientid, is
// refused (the clientid must be the certificate's device); each device is admitted under
// its own id.
TEST_P(IdentityDeviceTest, AnotherDevicesCertificateIsRefused) {
  const DeviceCert a = flow_.CreateDevice("dev-a");
  const DeviceCert b = flow_.CreateDevice("dev-b");
  ASSERT_TRUE(flow_.Start());
  ExpectRefused("dev-b", a.username, "clientid does not match the certificate's device");
  ExpectRefused("dev-a", b.username, "clientid does not match the certificate's device");
  ExpectRefused("someone-else", a.username, "clientid does not match the certificate's device");
  // The refused attempts opened no session: dev-b is not dev-a.
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-b", false, "users/u1/devices/dev-a/status")));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-b", false, "users/u1/devices/dev-b/status")));
  EXPECT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-a", a)));
  EXPECT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-b", b)));
  EXPECT_TRUE(IsDeny(flow_.Authorize(v(), "dev-b", false, "users/u1/devices/dev-a/status")));
}

// `device revoke` through the CLI while the hub runs: the device's next authenticate is
// refused within about a second (polled up to 3 s), and the reason is logged.
TEST_P(IdentityDeviceTest, RevokeThroughCliRefusesTheNextAuthenticate) {
  const DeviceCert cert = flow_.CreateDevice("dev-1");
  const DeviceCert other = flow_.CreateDevice("dev-2");
  ASSERT_TRUE(flow_.Start());
  ASSERT_TRUE(IsAllow(flow_.ConnectDevice(v(), cert)));

  flow_.Revoke("dev-1");
  const auto revoked_at = steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return IsDeny(flow_.AuthenticateDevice(v(), "dev-1", cert)); }));
  const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - revoked_at);
  // About 1 s by design (250 ms polling); the margin absorbs a loaded machine.
  EXPECT_LT(took.count(), 2000) << "revocation took " << took.count() << " ms to apply";
  RecordProperty("revocation_applied_ms", static_cast<int>(took.count()));
  EXPECT_TRUE(flow_.WaitForLog("clientid=dev-1 peer=127.0.0.1 reason=certificate revoked"))
      << flow_.Log();
  // Refused for good, and only that device.
  EXPECT_TRUE(IsDeny(flow_.AuthenticateDevice(v(), "dev-1", cert)));
  EXPECT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-2", other)));
}

// A newly signed CSR supersedes the device's old certificate: the old one is refused,
// the new one admitted (polled: the hub picks the change up from the database).
TEST_P(IdentityDeviceTest, NewCertificateSupersedesTheOldOne) {
  const DeviceCert old_cert = flow_.CreateDevice("dev-1", KeyKind::kEcP256);
  ASSERT_TRUE(flow_.Start());
  ASSERT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-1", old_cert)));

  const DeviceCert new_cert = flow_.SignNewCertificate("dev-1", KeyKind::kRsa2048);
  ASSERT_NE(new_cert.fingerprint, old_cert.fingerprint);
  EXPECT_TRUE(
      Eventually([&] { return IsAllow(flow_.AuthenticateDevice(v(), "dev-1", new_cert)); }));
  // Signing the new certificate revoked the old one (reason "superseded", so it is listed
  // in the CRL too).
  ExpectRefused("dev-1", old_cert.username, "certificate revoked");
  EXPECT_TRUE(IsAllow(flow_.AuthenticateDevice(v(), "dev-1", new_cert)));
}

INSTANTIATE_TEST_SUITE_P(BothServiceNames, IdentityDeviceTest, ::testing::ValuesIn(kBothVersions),
                         VersionName);

}  // namespace
}  // namespace iothub::testing
