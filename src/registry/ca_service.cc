#include "registry/ca_service.h"

#include <cctype>
#include <map>

#include "registry/input_checks.h"

namespace iothub::registry {
namespace {

using nlohmann::json;

absl::Status NoCa() { return absl::FailedPreconditionError("no CA is loaded"); }

// `id` in lowercase when it is 16 hex digits; nullopt otherwise.
std::optional<std::string> CanonicalId(std::string_view id) {
  if (id.size() != 16) return std::nullopt;
  std::string out;
  for (char c : id) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

CaStatus StatusOf(const crypto::CaEntry& entry, const crypto::CaEntry* signing,
                  std::int64_t active) {
  return CaStatus{.id = entry.id,
                  .generation = entry.generation,
                  .subject = entry.facts.subject,
                  .not_before = entry.facts.not_before,
                  .not_after = entry.facts.not_after,
                  .retired_at = entry.retired_at,
                  .signing = &entry == signing,
                  .active_certificates = active};
}

}  // namespace

absl::StatusOr<std::map<std::string, std::int64_t>> CaService::ActiveCounts(UnixMillis now) {
  absl::StatusOr<std::vector<store::CaCertificateCount>> counts =
      context_.store.CountActiveCertificatesByCa(now);
  if (!counts.ok()) return counts.status();
  // Keyed by CA id, so that two layouts of one PEM count as one CA.
  std::map<std::string, std::int64_t> by_id;
  for (const store::CaCertificateCount& count : *counts) {
    by_id[crypto::CaIdOf(count.ca_cert_pem)] += count.count;
  }
  return by_id;
}

absl::StatusOr<std::vector<CaStatus>> CaService::Status() {
  if (context_.cas == nullptr) return NoCa();
  if (absl::StatusOr<bool> refreshed = context_.cas->Refresh(); !refreshed.ok()) {
    return refreshed.status();
  }
  absl::StatusOr<std::map<std::string, std::int64_t>> counts =
      ActiveCounts(context_.clock.NowUnixMillis());
  if (!counts.ok()) return counts.status();
  const std::shared_ptr<const crypto::CaSet> cas = context_.cas->set();
  std::vector<CaStatus> out;
  for (const crypto::CaEntry& entry : cas->entries()) {
    const auto found = counts->find(entry.id);
    out.push_back(StatusOf(entry, cas->Signing(), found == counts->end() ? 0 : found->second));
  }
  return out;
}

absl::StatusOr<CaStatus> CaService::Rotate(crypto::KeyType key_type, std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (context_.cas == nullptr) return NoCa();
  const UnixMillis now = context_.clock.NowUnixMillis();
  absl::StatusOr<std::string> id = context_.cas->Rotate(key_type, now);
  if (!id.ok()) return id.status();
  const std::shared_ptr<const crypto::CaSet> cas = context_.cas->set();
  const crypto::CaEntry* entry = cas->Find(*id);
  if (entry == nullptr) return absl::InternalError("the new CA " + *id + " is not in the set");
  // The CA exists from here on whatever happens to the audit row; a failure to write
  // it is reported, not undone (the files may already be in another hub's hands).
  absl::Status audited = CommitChange(context_, [&](store::Store& tx) {
    return tx.AppendAudit(
        MakeAudit(now, actor, kRotateAction, *id,
                  json{{"generation", entry->generation}, {"notAfter", entry->facts.not_after}}));
  });
  if (!audited.ok()) return audited;
  return StatusOf(*entry, cas->Signing(), 0);
}

absl::StatusOr<CaRetirement> CaService::Retire(std::string_view id, bool force,
                                               std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (context_.cas == nullptr) return NoCa();
  const std::optional<std::string> canonical = CanonicalId(id);
  if (!canonical) {
    return absl::InvalidArgumentError("invalid CA id " + Quote(id) +
                                      ": use the 16 hex digits `iot-hub ca status` shows");
  }
  if (absl::StatusOr<bool> refreshed = context_.cas->Refresh(); !refreshed.ok()) {
    return refreshed.status();
  }
  const std::shared_ptr<const crypto::CaSet> cas = context_.cas->set();
  const crypto::CaEntry* entry = cas->Find(*canonical);
  if (entry == nullptr) return absl::NotFoundError("CA " + *canonical + " not found");
  if (!entry->trusted()) {
    return absl::FailedPreconditionError("CA " + *canonical + " is already retired");
  }
  if (entry == cas->Signing()) {
    return absl::FailedPreconditionError(
        "CA " + *canonical +
        " signs new certificates: run `iot-hub ca rotate` first, then retire it");
  }
  const UnixMillis now = context_.clock.NowUnixMillis();
  absl::StatusOr<std::map<std::string, std::int64_t>> counts = ActiveCounts(now);
  if (!counts.ok()) return counts.status();
  const auto found = counts->find(*canonical);
  const std::int64_t active = found == counts->end() ? 0 : found->second;
  if (active > 0 && !force) {
    return absl::FailedPreconditionError(
        "CA " + *canonical + " still backs " + std::to_string(active) +
        " active device certificate(s); renew or re-sign them with the new CA first, or "
        "force the retirement (it revokes them)");
  }
  CaRetirement retirement{.id = *canonical};
  bool marked = false;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<std::int64_t> revoked =
        tx.RevokeCertificatesSignedBy(entry->ca.ca_certificate_pem(), kRetiredReason, now);
    if (!revoked.ok()) return revoked.status();
    retirement.revoked_certificates = *revoked;
    if (absl::Status s =
            tx.AppendAudit(MakeAudit(now, actor, kRetireAction, *canonical,
                                     json{{"force", force}, {"revokedCertificates", *revoked}}));
        !s.ok()) {
      return s;
    }
    // Last, so that a failure above leaves the CA trusted and nothing revoked.
    if (absl::Status s = context_.cas->MarkRetired(*canonical, now); !s.ok()) return s;
    marked = true;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    if (marked) (void)context_.cas->UnmarkRetired(*canonical);
    return status;
  }
  return retirement;
}

absl::StatusOr<std::string> CaService::Bundle() {
  if (context_.cas == nullptr) return NoCa();
  if (absl::StatusOr<bool> refreshed = context_.cas->Refresh(); !refreshed.ok()) {
    return refreshed.status();
  }
  return context_.cas->set()->TrustedBundle();
}

absl::StatusOr<std::string> CaService::SigningCertificate() {
  if (context_.cas == nullptr) return NoCa();
  if (absl::StatusOr<bool> refreshed = context_.cas->Refresh(); !refreshed.ok()) {
    return refreshed.status();
  }
  absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> ca =
      context_.cas->SigningCa();
  if (!ca.ok()) return ca.status();
  return (*ca)->ca_certificate_pem();
}

}  // namespace iothub::registry
