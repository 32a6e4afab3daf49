#include "registry/ca_files.h"

#include <spdlog/spdlog.h>

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

absl::StatusOr<CertificateAuthority> LoadOrCreateCa(const std::filesystem::path& data_dir,
                                                    crypto::KeyType key_type, UnixMillis now,
                                                    bool create_if_missing) {
  const std::filesystem::path dir = CaDirectory(data_dir);
  const CaFilesPresent present = Present(dir);
  if (!present.key && !present.certificate) {
    if (!create_if_missing) {
      return absl::FailedPreconditionError("no CA in " + dir.string() +
                                           "; run `iot-hub ca init` first");
    }
    absl::StatusOr<CertificateAuthority> created = CertificateAuthority::Create(dir, key_type, now);
    if (created.ok()) {
      spdlog::info("created a new CA in {} ({})", dir.string(), KeyTypeName(key_type));
    }
    return created;
  }
  if (!present.key || !present.certificate) {
    return absl::FailedPreconditionError(
        "incomplete CA in " + dir.string() + ": " +
        std::string(present.key ? CertificateAuthority::kCertificateFile
                                : CertificateAuthority::kKeyFile) +
        " is missing; restore it from a backup (a new CA would invalidate every device "
        "certificate)");
  }
  absl::StatusOr<CertificateAuthority> loaded = CertificateAuthority::Load(dir);
  if (!loaded.ok()) {
    return absl::Status(loaded.status().code(), "cannot load the CA from " + dir.string() + ": " +
                                                    std::string(loaded.status().message()));
  }
  return loaded;
}

absl::StatusOr<CertificateAuthority> InitCa(const std::filesystem::path& data_dir,
                                            crypto::KeyType key_type, UnixMillis now) {
  const std::filesystem::path dir = CaDirectory(data_dir);
  const CaFilesPresent present = Present(dir);
  if (present.key || present.certificate) {
    return absl::AlreadyExistsError("a CA already exists in " + dir.string());
  }
  absl::StatusOr<CertificateAuthority> created = CertificateAuthority::Create(dir, key_type, now);
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError("a CA already exists in " + dir.string());
  }
  return created;
}

}  // namespace iothub::registry
