#include "registry/certificate_service.h"

#include <map>

#include "crypto/fingerprint.h"
#include "registry/input_checks.h"
#include "registry/uuid.h"

namespace iothub::registry {
namespace {

using nlohmann::json;

absl::Status CertificateNotFound(std::string_view fingerprint) {
  return absl::NotFoundError("certificate " + std::string(fingerprint) + " not found");
}

// A registry built without a CA (registry.h) signs nothing.
absl::Status NoCa() {
  return absl::FailedPreconditionError("no CA is loaded: nothing can be signed");
}

}  // namespace

absl::Status CheckDays(int days) {
  if (days < crypto::CertificateAuthority::kMinDays ||
      days > crypto::CertificateAuthority::kMaxDays) {
    return absl::InvalidArgumentError(
        "days must be between " + std::to_string(crypto::CertificateAuthority::kMinDays) + " and " +
        std::to_string(crypto::CertificateAuthority::kMaxDays) + " (got " + std::to_string(days) +
        ")");
  }
  return absl::OkStatus();
}

absl::StatusOr<Device> SignableDevice(store::Store& tx, std::string_view device_id) {
  absl::StatusOr<Device> device = tx.GetDevice(device_id);
  if (absl::IsNotFound(device.status())) {
    return absl::NotFoundError("device " + std::string(device_id) + " not found");
  }
  if (!device.ok()) return device.status();
  if (device->status == DeviceStatus::kRevoked) {
    return absl::FailedPreconditionError("device " + device->id +
                                         " is revoked; a revoked device gets no certificate");
  }
  return device;
}

absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> SigningCaNow(CaKeyring& cas) {
  // A rotation or retirement made by another process counts from this signature on, not
  // only from the housekeeper's next look at the files.
  if (absl::StatusOr<bool> refreshed = cas.Refresh(); !refreshed.ok()) return refreshed.status();
  return cas.SigningCa();
}

absl::StatusOr<crypto::IssuedCertificate> SignForDevice(const crypto::CertificateAuthority& ca,
                                                        std::string_view csr_pem,
                                                        std::string_view device_id, int days,
                                                        UnixMillis now) {
  absl::StatusOr<crypto::IssuedCertificate> issued =
      ca.SignDeviceCsr(csr_pem, device_id, days, now);
  if (absl::IsInvalidArgument(issued.status())) {
    return absl::InvalidArgumentError("CSR refused: " + std::string(issued.status().message()));
  }
  return issued;
}

Certificate MakeCertificate(std::string_view id, const Device& device,
                            const crypto::IssuedCertificate& issued, std::string_view ca_pem,
                            UnixMillis now) {
  Certificate certificate;
  certificate.id = std::string(id);
  certificate.device_id = device.id;
  certificate.client_cert_pem = issued.pem;
  certificate.ca_cert_pem = std::string(ca_pem);
  certificate.fingerprint = crypto::FormatFingerprint(issued.fingerprint);
  certificate.serial_number = issued.serial_hex;
  certificate.valid_from = issued.valid_from;
  certificate.valid_to = issued.valid_to;
  certificate.created_at = now;
  if (device.status == DeviceStatus::kBound) certificate.owner_at_issue = device.owner_id;
  return certificate;
}

std::string_view ToString(CertificateRejection rejection) {
  switch (rejection) {
    case CertificateRejection::kUnknown:
      return "unknown";
    case CertificateRejection::kRevoked:
      return "revoked";
    case CertificateRejection::kNotYetValid:
      return "not_yet_valid";
    case CertificateRejection::kExpired:
      return "expired";
  }
  return "unknown";
}

absl::StatusOr<std::string> CertificateService::Canonical(std::string_view fingerprint) {
  absl::StatusOr<Fingerprint> parsed = crypto::ParseFingerprint(fingerprint);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        "invalid fingerprint " + Quote(fingerprint) +
        ": use 64 hex digits, optionally with a colon between each pair");
  }
  return crypto::FormatFingerprint(*parsed);
}

absl::StatusOr<Certificate> CertificateService::SignCsr(const CsrRequest& request,
                                                        std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (context_.cas == nullptr) return NoCa();
  if (absl::Status s = CheckDeviceId(request.device_id); !s.ok()) return s;
  if (absl::Status s = CheckDays(request.days); !s.ok()) return s;
  if (request.firmware_version) {
    if (absl::Status s = CheckText("firmware version", *request.firmware_version, 1, 64); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::string> id = NewUuidV4();
  if (!id.ok()) return id.status();
  const UnixMillis now = context_.clock.NowUnixMillis();
  absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> ca =
      SigningCaNow(*context_.cas);
  if (!ca.ok()) return ca.status();

  Certificate certificate;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<Device> device = SignableDevice(tx, request.device_id);
    if (!device.ok()) return device.status();
    // Signed inside the transaction so that a concurrent revoke cannot slip in between
    // the check and the insert (signing takes milliseconds).
    absl::StatusOr<crypto::IssuedCertificate> issued =
        SignForDevice(**ca, request.csr_pem, device->id, request.days, now);
    if (!issued.ok()) return issued.status();
    certificate = MakeCertificate(*id, *device, *issued, (*ca)->ca_certificate_pem(), now);
    if (absl::Status s = tx.InsertCertificate(certificate); !s.ok()) return s;
    device->public_key = issued->public_key_pem;
    if (request.firmware_version) device->firmware_version = request.firmware_version;
    if (absl::Status s = tx.UpdateDevice(*device); !s.ok()) return s;
    return tx.AppendAudit(MakeAudit(now, actor, kSignAction, device->id,
                                    json{{"fingerprint", certificate.fingerprint},
                                         {"serialNumber", certificate.serial_number},
                                         {"days", request.days}}));
  });
  if (!status.ok()) return status;
  return certificate;
}

absl::StatusOr<Certificate> CertificateService::GetCertificate(std::string_view fingerprint) {
  absl::StatusOr<std::string> canonical = Canonical(fingerprint);
  if (!canonical.ok()) return canonical.status();
  absl::StatusOr<Certificate> certificate = context_.store.GetCertificateByFingerprint(*canonical);
  if (absl::IsNotFound(certificate.status())) return CertificateNotFound(*canonical);
  return certificate;
}

absl::StatusOr<Certificate> CertificateService::RevokeCertificate(std::string_view fingerprint,
                                                                  std::string_view reason,
                                                                  std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  absl::StatusOr<std::string> canonical = Canonical(fingerprint);
  if (!canonical.ok()) return canonical.status();
  if (absl::Status s = CheckText("revocation reason", reason, 1, 100); !s.ok()) return s;
  const UnixMillis now = context_.clock.NowUnixMillis();
  Certificate certificate;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<Certificate> current = tx.GetCertificateByFingerprint(*canonical);
    if (absl::IsNotFound(current.status())) return CertificateNotFound(*canonical);
    if (!current.ok()) return current.status();
    if (current->revoked_at) {
      return absl::FailedPreconditionError("certificate " + *canonical + " is already revoked (" +
                                           current->revocation_reason.value_or("") + ")");
    }
    if (absl::Status s = tx.RevokeCertificate(*canonical, reason, now); !s.ok()) return s;
    certificate = *std::move(current);
    certificate.revoked_at = now;
    certificate.revocation_reason = std::string(reason);
    return tx.AppendAudit(MakeAudit(now, actor, kRevokeAction, certificate.device_id,
                                    json{{"fingerprint", certificate.fingerprint},
                                         {"serialNumber", certificate.serial_number},
                                         {"reason", reason}}));
  });
  if (!status.ok()) return status;
  return certificate;
}

absl::StatusOr<FingerprintValidation> CertificateService::ValidateFingerprint(
    std::string_view fingerprint, UnixMillis now) {
  absl::StatusOr<std::string> canonical = Canonical(fingerprint);
  if (!canonical.ok()) return canonical.status();
  FingerprintValidation answer;
  answer.fingerprint = *canonical;
  absl::StatusOr<Certificate> certificate = context_.store.GetCertificateByFingerprint(*canonical);
  if (absl::IsNotFound(certificate.status())) {
    answer.reason = CertificateRejection::kUnknown;
    return answer;
  }
  if (!certificate.ok()) return certificate.status();
  answer.device_id = certificate->device_id;
  if (certificate->revoked_at) {
    answer.reason = CertificateRejection::kRevoked;
  } else if (now < certificate->valid_from) {
    answer.reason = CertificateRejection::kNotYetValid;
  } else if (now > certificate->valid_to) {
    answer.reason = CertificateRejection::kExpired;
  } else {
    answer.valid = true;
  }
  return answer;
}

absl::StatusOr<std::string> CertificateService::MakeCrl() {
  if (context_.cas == nullptr) return NoCa();
  absl::StatusOr<std::vector<store::RevokedCertificate>> revoked =
      context_.store.ListRevokedCertificates();
  if (!revoked.ok()) return revoked.status();
  const std::shared_ptr<const crypto::CaSet> cas = context_.cas->set();
  // One CRL per trusted CA, listing the certificates it signed, oldest CA first: a
  // verifier matches a CRL to a certificate by issuer, so serials of other CAs would
  // mean nothing in it. A retired CA is in no bundle, so it needs no CRL.
  std::map<std::string, std::vector<crypto::RevokedSerial>> serials_by_ca;
  std::map<std::string, std::string> id_of_pem;  // CaIdOf once per distinct PEM
  for (const store::RevokedCertificate& entry : *revoked) {
    auto [found, inserted] = id_of_pem.try_emplace(entry.ca_cert_pem);
    if (inserted) found->second = crypto::CaIdOf(entry.ca_cert_pem);
    serials_by_ca[found->second].push_back(
        {.serial_hex = entry.serial_number, .revoked_at = entry.revoked_at});
  }
  std::string crls;
  for (const crypto::CaEntry& entry : cas->entries()) {
    if (!entry.trusted()) continue;
    absl::StatusOr<std::string> crl = entry.ca.MakeCrl(
        serials_by_ca[entry.id], context_.clock.NowUnixMillis(), kCrlNextUpdateDays);
    if (!crl.ok()) return crl.status();
    crls += *crl;
  }
  return crls;
}

}  // namespace iothub::registry
