#include "registry/ca_keyring.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "registry/data_layout.h"
#include "registry/time_format.h"

namespace iothub::registry {
namespace {

using crypto::CaEntry;
using crypto::CertificateAuthority;

constexpr std::string_view kGenerationPrefix = "gen-";
constexpr std::string_view kRetiredDirectory = "retired";

bool Exists(const std::filesystem::path& path) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored);
}

// The generation a directory name stands for ("gen-3" -> 3); nullopt for other names.
std::optional<int> GenerationOf(std::string_view name) {
  if (!name.starts_with(kGenerationPrefix)) return std::nullopt;
  name.remove_prefix(kGenerationPrefix.size());
  int generation = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), generation);
  if (error != std::errc() || end != name.data() + name.size() || generation < 1) {
    return std::nullopt;
  }
  return generation;
}

// The names and modification times of the entries of `dir` and of its retired/, sorted:
// equal stamps mean nothing was added, removed or replaced.
std::string Stamp(const std::filesystem::path& dir) {
  std::vector<std::string> lines;
  for (const auto& folder : {dir, dir / kRetiredDirectory}) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      std::error_code ignored;
      const auto time = std::filesystem::last_write_time(entry.path(), ignored);
      lines.push_back(entry.path().string() + "@" +
                      std::to_string(time.time_since_epoch().count()));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string stamp;
  for (const std::string& line : lines) stamp += line + "\n";
  return stamp;
}

// The CA in `dir` (ca.key + ca.crt) as generation `generation`.
absl::StatusOr<CaEntry> LoadEntry(const std::filesystem::path& dir, int generation) {
  const bool key = Exists(dir / CertificateAuthority::kKeyFile);
  const bool certificate = Exists(dir / CertificateAuthority::kCertificateFile);
  if (key != certificate) {
    return absl::FailedPreconditionError(
        "incomplete CA in " + dir.string() + ": " +
        std::string(key ? CertificateAuthority::kCertificateFile : CertificateAuthority::kKeyFile) +
        " is missing; restore it from a backup (a new CA would invalidate every device "
        "certificate)");
  }
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Load(dir);
  if (!ca.ok()) {
    return absl::Status(ca.status().code(), "cannot load the CA from " + dir.string() + ": " +
                                                std::string(ca.status().message()));
  }
  absl::StatusOr<crypto::CertificateFacts> facts = crypto::FactsOfPem(ca->ca_certificate_pem());
  if (!facts.ok()) return facts.status();
  std::string id = crypto::CaIdOf(ca->ca_certificate_pem());
  return CaEntry{.id = std::move(id),
                 .generation = generation,
                 .ca = *std::move(ca),
                 .facts = *std::move(facts),
                 .retired_at = std::nullopt};
}

// When `id` was retired (the marker's content), or nullopt when it is not.
std::optional<UnixMillis> RetiredAt(const std::filesystem::path& dir, std::string_view id) {
  std::ifstream in(dir / kRetiredDirectory / std::string(id));
  if (!in) return std::nullopt;
  UnixMillis at = 0;
  in >> at;
  return at;
}

absl::StatusOr<crypto::CaSet> LoadSet(const std::filesystem::path& dir) {
  std::vector<CaEntry> entries;
  if (Exists(dir / CertificateAuthority::kKeyFile) ||
      Exists(dir / CertificateAuthority::kCertificateFile)) {
    absl::StatusOr<CaEntry> first = LoadEntry(dir, 0);
    if (!first.ok()) return first.status();
    entries.push_back(*std::move(first));
  }
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(dir, error)) {
    const std::optional<int> generation = GenerationOf(item.path().filename().string());
    if (!generation || !item.is_directory()) continue;
    absl::StatusOr<CaEntry> entry = LoadEntry(item.path(), *generation);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  for (CaEntry& entry : entries) entry.retired_at = RetiredAt(dir, entry.id);
  return crypto::CaSet(std::move(entries));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CaKeyring>> CaKeyring::Open(const std::filesystem::path& data_dir,
                                                           crypto::KeyType key_type, UnixMillis now,
                                                           bool create_if_missing) {
  std::unique_ptr<CaKeyring> keyring(new CaKeyring(CaDirectory(data_dir)));
  std::lock_guard lock(keyring->mutex_);
  if (absl::Status s = keyring->ReloadLocked(); !s.ok()) return s;
  if (!keyring->set()->entries().empty()) return keyring;
  if (!create_if_missing) {
    return absl::FailedPreconditionError("no CA in " + keyring->dir_.string() +
                                         "; run `iot-hub ca init` first");
  }
  absl::StatusOr<CertificateAuthority> created =
      CertificateAuthority::Create(keyring->dir_, key_type, now);
  if (!created.ok()) return created.status();
  spdlog::info("created a new CA in {}", keyring->dir_.string());
  if (absl::Status s = keyring->ReloadLocked(); !s.ok()) return s;
  return keyring;
}

absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> CaKeyring::SigningCa() const {
  std::shared_ptr<const crypto::CaSet> current = set();
  const CaEntry* signing = current->Signing();
  if (signing == nullptr) {
    return absl::FailedPreconditionError("every CA is retired: run `iot-hub ca rotate`");
  }
  // Shares ownership of the whole set, so the CA lives while the caller holds it.
  return std::shared_ptr<const crypto::CertificateAuthority>(current, &signing->ca);
}

absl::Status CaKeyring::ReloadLocked() {
  const std::string stamp = Stamp(dir_);
  absl::StatusOr<crypto::CaSet> loaded = LoadSet(dir_);
  if (!loaded.ok()) return loaded.status();
  cell_.Store(std::make_shared<const crypto::CaSet>(*std::move(loaded)));
  stamp_ = stamp;
  return absl::OkStatus();
}

absl::StatusOr<bool> CaKeyring::Refresh() {
  std::lock_guard lock(mutex_);
  if (Stamp(dir_) == stamp_) return false;
  if (absl::Status s = ReloadLocked(); !s.ok()) return s;
  return true;
}

absl::StatusOr<std::string> CaKeyring::Rotate(crypto::KeyType key_type, UnixMillis now) {
  std::lock_guard lock(mutex_);
  if (absl::Status s = ReloadLocked(); !s.ok()) return s;
  const std::filesystem::path staging =
      dir_ / (".new-" + std::to_string(::getpid()) + "-" + std::to_string(now));
  // A subject of its own ("iot-hub CA 2026-12-04T17:33:22Z"): verifiers find a
  // certificate's issuer by name first, and CRLs are matched to CAs by name.
  const std::string created_at = FormatIso8601(now).substr(0, 19) + "Z";
  absl::StatusOr<CertificateAuthority> created = CertificateAuthority::Create(
      staging, key_type, now, std::string(CertificateAuthority::kCaCommonName) + " " + created_at);
  if (!created.ok()) return created.status();
  const std::string id = crypto::CaIdOf(created->ca_certificate_pem());
  int generation = 1;
  for (const CaEntry& entry : set()->entries())
    generation = std::max(generation, entry.generation + 1);
  // rename() refuses a non-empty target, so a generation another process took is skipped.
  for (int attempt = 0; attempt < 100; ++attempt, ++generation) {
    const std::filesystem::path target =
        dir_ / (std::string(kGenerationPrefix) + std::to_string(generation));
    if (!Exists(target) && ::rename(staging.c_str(), target.c_str()) == 0) {
      if (absl::Status s = ReloadLocked(); !s.ok()) return s;
      spdlog::info("created CA {} (generation {}) in {}", id, generation, target.string());
      return id;
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(staging, ignored);
  return absl::InternalError("cannot place the new CA in " + dir_.string());
}

absl::Status CaKeyring::MarkRetired(std::string_view id, UnixMillis now) {
  std::lock_guard lock(mutex_);
  const std::filesystem::path folder = dir_ / kRetiredDirectory;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error)
    return absl::InternalError("cannot create " + folder.string() + ": " + error.message());
  const std::filesystem::path marker = folder / std::string(id);
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError("CA " + std::string(id) + " is retired");
    return absl::InternalError("cannot write " + marker.string());
  }
  const std::string text = std::to_string(now) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) {
    std::filesystem::remove(marker, error);
    return absl::InternalError("cannot write " + marker.string());
  }
  return ReloadLocked();
}

absl::Status CaKeyring::UnmarkRetired(std::string_view id) {
  std::lock_guard lock(mutex_);
  std::error_code error;
  std::filesystem::remove(dir_ / kRetiredDirectory / std::string(id), error);
  if (error) return absl::InternalError("cannot remove the retirement of CA " + std::string(id));
  return ReloadLocked();
}

}  // namespace iothub::registry
