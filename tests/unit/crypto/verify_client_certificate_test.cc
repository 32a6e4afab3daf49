// CertificateAuthority::VerifyClientCertificate: which certificates count as ours and
// valid, and the distinct error for each refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/certificate_authority.h"
#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"
#include "crypto_test_util.h"

namespace iothub::crypto {
namespace {

using test::Now;
using test::OpensslEcCsr;
using test::Q;
using test::RunCommand;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr UnixMillis kDay = 86'400'000;

class VerifyClientCertificateTest : public ::testing::Test {
 protected:
  VerifyClientCertificateTest() : ca_(test::MakeCa(dir_.path() / "ca")) {}

  // DER of a device certificate for "dev-1" issued at `issued_at` for `days`.
  std::string DeviceDer(UnixMillis issued_at, int days = 30) {
    absl::StatusOr<IssuedCertificate> issued =
        ca_.SignDeviceCsr(OpensslEcCsr(dir_), "dev-1", days, issued_at);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? issued->der : "";
  }

  test::TempDir dir_;
  CertificateAuthority ca_;
};

// A device certificate of ours, valid now, is accepted with its fingerprint and CN.
TEST_F(VerifyClientCertificateTest, AcceptsOwnDeviceCertificate) {
  const UnixMillis now = Now();
  const std::string der = DeviceDer(now);
  absl::StatusOr<ClientCertificateInfo> info = ca_.VerifyClientCertificate(der, now);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->fingerprint, Sha256Fingerprint(der));
  EXPECT_EQ(info->common_name, "device-dev-1");
  EXPECT_EQ(info->serial_hex.size(), 32u);
  EXPECT_LE(info->valid_from, now);
  EXPECT_GE(info->valid_to, now + 30 * kDay - 1000);
}

// The EMQX pem-mode path: username -> DER -> verified.
TEST_F(VerifyClientCertificateTest, AcceptsPemModeUsername) {
  const std::string der = DeviceDer(Now());
  absl::StatusOr<std::string> decoded = DecodePemModeUsername(Base64Encode(der));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(ca_.VerifyClientCertificate(*decoded, Now()).ok());
}

// Server certificates carry clientAuth too and are accepted; the CA's own is not.
TEST_F(VerifyClientCertificateTest, AcceptsServerCertificateButNotCaCertificate) {
  absl::StatusOr<IssuedKeyPair> server =
      ca_.IssueServerCertificate({"DNS:emqx"}, "emqx", 30, Now());
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(ca_.VerifyClientCertificate(server->certificate.der, Now()).ok());

  absl::StatusOr<ClientCertificateInfo> info =
      ca_.VerifyClientCertificate(CertificatePemToDer(ca_.ca_certificate_pem()).value(), Now());
  EXPECT_EQ(info.status().code(), absl::StatusCode::kPermissionDenied);
}

// A certificate from another CA is refused, even one with the same CA name.
TEST_F(VerifyClientCertificateTest, RefusesCertificateFromAnotherCa) {
  test::TempDir other_dir;
  const CertificateAuthority other = test::MakeCa(other_dir.path());  // also "iot-hub CA"
  absl::StatusOr<IssuedKeyPair> foreign = other.IssueClientCertificate("device-dev-1", 30, Now());
  ASSERT_TRUE(foreign.ok());
  absl::StatusOr<ClientCertificateInfo> info =
      ca_.VerifyClientCertificate(foreign->certificate.der, Now());
  EXPECT_EQ(info.status().code(), absl::StatusCode::kUnauthenticated);
}

// Self-signed certificates are refused, whatever their subject.
TEST_F(VerifyClientCertificateTest, RefusesSelfSigned) {
  for (const char* subject : {"/CN=device-dev-1", "/CN=iot-hub CA"}) {
    const auto der_path = dir_.path() / "self.der";
    const test::CommandResult made = RunCommand(
        std::string("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ") +
        "-days 30 -subj '" + subject + "' -keyout " + Q(dir_.path() / "self.key") +
        " -outform DER -out " + Q(der_path));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    absl::StatusOr<ClientCertificateInfo> info =
        ca_.VerifyClientCertificate(test::ReadFile(der_path), Now());
    EXPECT_EQ(info.status().code(), absl::StatusCode::kUnauthenticated) << subject;
  }
}

// A certificate whose signature was altered is refused as not ours.
TEST_F(VerifyClientCertificateTest, RefusesTamperedCertificate) {
  std::string der = DeviceDer(Now());
  der.back() ^= 0x01;
  EXPECT_EQ(ca_.VerifyClientCertificate(der, Now()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// Expired and not-yet-valid certificates get distinct errors.
TEST_F(VerifyClientCertificateTest, RefusesOutsideValidityWindow) {
  const UnixMillis now = Now();
  absl::StatusOr<ClientCertificateInfo> expired =
      ca_.VerifyClientCertificate(DeviceDer(now - 400 * kDay, 30), now);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(expired.status().message()), StartsWith("certificate expired"));

  absl::StatusOr<ClientCertificateInfo> early =
      ca_.VerifyClientCertificate(DeviceDer(now + kDay, 30), now);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(early.status().message()), StartsWith("certificate not yet valid"));

  // The edges: valid from now - 5 min through notAfter inclusive.
  const std::string der = DeviceDer(now, 1);
  EXPECT_TRUE(ca_.VerifyClientCertificate(der, now - 4 * 60 * 1000).ok());
  EXPECT_FALSE(ca_.VerifyClientCertificate(der, now - 6 * 60 * 1000).ok());
  EXPECT_TRUE(ca_.VerifyClientCertificate(der, now + kDay - 1000).ok());
  EXPECT_FALSE(ca_.VerifyClientCertificate(der, now + kDay + 1000).ok());
}

// Garbage, empty input, a certificate with trailing bytes, and base64 of garbage are
// refused as not certificates.
TEST_F(VerifyClientCertificateTest, RefusesNonCertificates) {
  const std::string der = DeviceDer(Now());
  absl::StatusOr<std::string> garbage = DecodePemModeUsername(Base64Encode("not a certificate"));
  ASSERT_TRUE(garbage.ok());
  for (const std::string& input :
       {std::string(), std::string("garbage"), *garbage, der + std::string(1, '\0'),
        der.substr(0, der.size() - 1), std::string(2048, '\x30')}) {
    absl::StatusOr<ClientCertificateInfo> info = ca_.VerifyClientCertificate(input, Now());
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << input.size();
    EXPECT_THAT(info.status().message(), HasSubstr("not a certificate"));
  }
}

// One CA used from several threads at once signs and verifies correctly (const methods
// are documented as thread-safe).
TEST_F(VerifyClientCertificateTest, ConcurrentUseOfOneCa) {
  const std::string csr = OpensslEcCsr(dir_);
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<IssuedCertificate> device =
            ca_.SignDeviceCsr(csr, "dev-" + std::to_string(t), 30, Now());
        absl::StatusOr<IssuedKeyPair> client = ca_.IssueClientCertificate("c", 30, Now());
        if (!device.ok() || !client.ok()) continue;
        if (ca_.VerifyClientCertificate(device->der, Now()).ok() &&
            ca_.VerifyClientCertificate(client->certificate.der, Now()).ok() &&
            ca_.MakeCrl({{device->serial_hex, Now()}}, Now(), 1).ok()) {
          ++verified;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(verified.load(), 40);
}

}  // namespace
}  // namespace iothub::crypto
