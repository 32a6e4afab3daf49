#include "crypto/ca_set.h"

#include <algorithm>
#include <set>

#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"

namespace iothub::crypto {
namespace {

constexpr std::size_t kIdLength = 16;

std::string LowerHex(const Fingerprint& fingerprint, std::size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < fingerprint.size() && out.size() < digits; ++i) {
    out.push_back(kHex[fingerprint[i] >> 4]);
    out.push_back(kHex[fingerprint[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string CaIdOf(std::string_view ca_certificate_pem) {
  absl::StatusOr<std::string> der = CertificatePemToDer(ca_certificate_pem);
  if (!der.ok()) return "";
  return LowerHex(Sha256Fingerprint(*der), kIdLength);
}

CaSet::CaSet(std::vector<CaEntry> entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const CaEntry& a, const CaEntry& b) {
    if (a.generation != b.generation) return a.generation < b.generation;
    return a.id < b.id;
  });
  std::set<std::string> seen;
  for (CaEntry& entry : entries) {
    if (seen.insert(entry.id).second) entries_.push_back(std::move(entry));
  }
}

const CaEntry* CaSet::Signing() const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->trusted()) return &*it;
  }
  return nullptr;
}

const CaEntry* CaSet::Find(std::string_view id) const {
  for (const CaEntry& entry : entries_) {
    if (entry.id == id) return &entry;
  }
  return nullptr;
}

const CaEntry* CaSet::FindByPem(std::string_view ca_certificate_pem) const {
  const std::string id = CaIdOf(ca_certificate_pem);
  return id.empty() ? nullptr : Find(id);
}

std::string CaSet::TrustedBundle() const {
  std::string bundle;
  for (const CaEntry& entry : entries_) {
    if (entry.trusted()) bundle += entry.ca.ca_certificate_pem();
  }
  return bundle;
}

absl::StatusOr<VerifiedClientCertificate> CaSet::VerifyClientCertificate(std::string_view der,
                                                                         UnixMillis now) const {
  std::optional<absl::Status> issuer_error;
  std::optional<std::string> retired_issuer;
  absl::Status last = absl::UnauthenticatedError("no trusted CA");
  for (const CaEntry& entry : entries_) {
    absl::StatusOr<ClientCertificateInfo> verified = entry.ca.VerifyClientCertificate(der, now);
    if (verified.ok()) {
      if (!entry.trusted()) {
        retired_issuer = entry.id;
        continue;
      }
      return VerifiedClientCertificate{*std::move(verified), entry.id};
    }
    if (absl::IsInvalidArgument(verified.status())) return verified.status();
    if (!absl::IsUnauthenticated(verified.status())) {
      // This CA signed it, but refuses it (not a client certificate, expired, ...).
      if (!entry.trusted()) {
        retired_issuer = entry.id;
      } else if (!issuer_error) {
        issuer_error = verified.status();
      }
      continue;
    }
    last = verified.status();
  }
  if (issuer_error) return *issuer_error;
  if (retired_issuer) {
    return absl::UnauthenticatedError("certificate issued by retired CA " + *retired_issuer);
  }
  return last;
}

}  // namespace iothub::crypto
