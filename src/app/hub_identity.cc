#include "app/hub_identity.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"

namespace iothub::app {
namespace {

constexpr int kValidityDays = 365;
constexpr UnixMillis kRenewBeforeMillis = 30LL * 24 * 3600 * 1000;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status WriteFile(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::PermissionDeniedError("cannot write " + path.string());
  const bool ok =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  return ok ? absl::OkStatus() : absl::InternalError("cannot write " + path.string());
}

}  // namespace

absl::StatusOr<HubIdentity> EnsureHubIdentity(const std::filesystem::path& data_dir,
                                              const crypto::CaSet& cas, UnixMillis now) {
  const crypto::CaEntry* signing = cas.Signing();
  if (signing == nullptr) return absl::FailedPreconditionError("every CA is retired");
  const crypto::CertificateAuthority& ca = signing->ca;
  const std::filesystem::path dir = data_dir / "hub-client";
  HubIdentity identity{.cert_file = (dir / "client.crt").string(),
                       .key_file = (dir / "client.key").string(),
                       .fingerprint = {}};
  // Reuse the current certificate while the signing CA accepts it and it has time left.
  if (auto der = crypto::CertificatePemToDer(ReadAll(identity.cert_file)); der.ok()) {
    auto info = ca.VerifyClientCertificate(*der, now);
    if (info.ok() && info->valid_to - now > kRenewBeforeMillis &&
        std::filesystem::exists(identity.key_file)) {
      identity.fingerprint = info->fingerprint;
      return identity;
    }
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::PermissionDeniedError("cannot create " + dir.string());
  auto issued = ca.IssueClientCertificate(kHubPrincipalId, kValidityDays, now);
  if (!issued.ok()) return issued.status();
  if (auto s = WriteFile(identity.key_file, issued->private_key_pem, 0600); !s.ok()) return s;
  if (auto s = WriteFile(identity.cert_file, issued->certificate.pem, 0644); !s.ok()) return s;
  identity.fingerprint = issued->certificate.fingerprint;
  spdlog::info("issued the hub's own MQTT client certificate in {}", dir.string());
  return identity;
}

}  // namespace iothub::app
