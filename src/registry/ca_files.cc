#include "registry/ca_files.h"

#include <system_error>

#include "registry/data_layout.h"

namespace iothub::registry {
namespace {

using crypto::CertificateAuthority;

struct CaFilesPresent {
  bool key = false;
  bool certificate = false;
};

CaFilesPresent Present(const std::filesystem::path& dir) {
  std::error_code ignored;
  return {.key = std::filesystem::exists(dir / CertificateAuthority::kKeyFile, ignored),
          .certificate =
              std::filesystem::exists(dir / CertificateAuthority::kCertificateFile, ignored)};
}

}  // namespace

std::optional<crypto::KeyType> ParseKeyType(std::string_view name) {
  if (name == "ec-p256") return crypto::KeyType::kEcP256;
  if (name == "ec-p384") return crypto::KeyType::kEcP384;
  if (name == "rsa-3072") return crypto::KeyType::kRsa3072;
  return std::nullopt;
}

std::string_view KeyTypeName(crypto::KeyType type) {
  switch (type) {
    case crypto::KeyType::kEcP256:
      return "ec-p256";
    case crypto::KeyType::kEcP384:
      return "ec-p384";
    case crypto::KeyType::kRsa3072:
      return "rsa-3072";
  }
  return "ec-p256";
}

absl::StatusOr<CertificateAuthority> InitCa(const std::filesystem::path& data_dir,
                                            crypto::KeyType key_type, UnixMillis now) {
  const std::filesystem::path dir = CaDirectory(data_dir);
  const CaFilesPresent present = Present(dir);
  std::error_code ignored;
  if (present.key || present.certificate || std::filesystem::exists(dir / "gen-1", ignored)) {
    return absl::AlreadyExistsError("a CA already exists in " + dir.string());
  }
  absl::StatusOr<CertificateAuthority> created = CertificateAuthority::Create(dir, key_type, now);
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError("a CA already exists in " + dir.string());
  }
  return created;
}

}  // namespace iothub::registry
