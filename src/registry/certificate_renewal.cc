#include "registry/certificate_renewal.h"

#include "crypto/certificate_key.h"
#include "crypto/device_csr.h"
#include "crypto/keys.h"
#include "registry/certificate_service.h"
#include "registry/input_checks.h"
#include "registry/uuid.h"

namespace iothub::registry {
namespace {

using nlohmann::json;

}  // namespace

absl::Status CertificateRenewal::CheckKeyIsNew(std::string_view csr_pem,
                                               const std::vector<Certificate>& history) {
  absl::StatusOr<crypto::EvpPkeyPtr> key = crypto::VetDeviceCsr(csr_pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError("CSR refused: " + std::string(key.status().message()));
  }
  absl::StatusOr<std::string> key_pem = crypto::PublicKeyToPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  for (const Certificate& old : history) {
    absl::StatusOr<std::string> old_key = crypto::PublicKeyPemOfCertificate(old.client_cert_pem);
    // A stored certificate the hub cannot read is no evidence either way: refuse.
    if (!old_key.ok()) return absl::InternalError("certificate " + old.fingerprint + " unreadable");
    if (*old_key == *key_pem) {
      return absl::AlreadyExistsError(
          "the CSR's key is the key of an earlier certificate of the device (" + old.fingerprint +
          "); renew with a new key");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Renewed> CertificateRenewal::Renew(const RenewalRequest& request,
                                                  std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (context_.cas == nullptr) {
    return absl::FailedPreconditionError("no CA is loaded: nothing can be signed");
  }
  if (absl::Status s = CheckDeviceId(request.device_id); !s.ok()) return s;
  if (absl::Status s = CheckDays(request.days); !s.ok()) return s;
  absl::StatusOr<std::string> id = NewUuidV4();
  if (!id.ok()) return id.status();
  const UnixMillis now = context_.clock.NowUnixMillis();
  const UnixMillis grace_until =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(request.grace).count();

  absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> ca =
      SigningCaNow(*context_.cas);
  if (!ca.ok()) return ca.status();

  Renewed renewed{.grace_until = grace_until};
  Certificate& certificate = renewed.certificate;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<Device> device = SignableDevice(tx, request.device_id);
    if (!device.ok()) return device.status();
    std::string renewing = request.renewing_fingerprint;
    if (renewing.empty()) {
      absl::StatusOr<Certificate> current = tx.GetCurrentCertificate(device->id);
      if (absl::IsNotFound(current.status())) {
        return absl::FailedPreconditionError("device " + device->id + " has no certificate");
      }
      if (!current.ok()) return current.status();
      renewing = current->fingerprint;
    }
    renewed.renewed_fingerprint = renewing;
    absl::StatusOr<std::vector<Certificate>> history = tx.ListCertificatesOfDevice(device->id);
    if (!history.ok()) return history.status();
    if (absl::Status s = CheckKeyIsNew(request.csr_pem, *history); !s.ok()) return s;
    // Signed inside the transaction, as SignCsr does: no revoke slips in between.
    absl::StatusOr<crypto::IssuedCertificate> issued =
        SignForDevice(**ca, request.csr_pem, device->id, request.days, now);
    if (!issued.ok()) return issued.status();
    certificate = MakeCertificate(*id, *device, *issued, (*ca)->ca_certificate_pem(), now);
    if (absl::Status s = tx.InsertRenewedCertificate(certificate, renewing, grace_until); !s.ok()) {
      return s;
    }
    device->public_key = issued->public_key_pem;
    if (absl::Status s = tx.UpdateDevice(*device); !s.ok()) return s;
    return tx.AppendAudit(MakeAudit(now, actor, kRenewAction, device->id,
                                    json{{"fingerprint", certificate.fingerprint},
                                         {"serialNumber", certificate.serial_number},
                                         {"renewedFingerprint", renewing},
                                         {"graceUntil", grace_until},
                                         {"days", request.days}}));
  });
  if (!status.ok()) return status;
  return renewed;
}

absl::StatusOr<std::int64_t> CertificateRenewal::EndGrace(std::string_view device_id) {
  const UnixMillis now = context_.clock.NowUnixMillis();
  return SupersedeInGrace(
      [&](store::Store& tx) -> absl::StatusOr<std::int64_t> {
        absl::StatusOr<std::vector<Certificate>> certificates =
            tx.ListCertificatesOfDevice(device_id);
        if (!certificates.ok()) return certificates.status();
        std::int64_t superseded = 0;
        for (const Certificate& certificate : *certificates) {
          if (certificate.revoked_at || !certificate.grace_until) continue;
          absl::Status s =
              tx.RevokeCertificate(certificate.fingerprint, store::kSupersededReason, now);
          if (!s.ok()) return s;
          ++superseded;
        }
        return superseded;
      },
      now, device_id, "renewed certificate used");
}

absl::StatusOr<std::int64_t> CertificateRenewal::EndExpiredGraces() {
  const UnixMillis now = context_.clock.NowUnixMillis();
  return SupersedeInGrace([&](store::Store& tx) { return tx.EndExpiredGraces(now); }, now, "*",
                          "grace ended");
}

absl::StatusOr<std::int64_t> CertificateRenewal::SupersedeInGrace(
    const std::function<absl::StatusOr<std::int64_t>(store::Store&)>& supersede, UnixMillis now,
    std::string_view target, std::string_view why) {
  std::int64_t ended = 0;
  absl::Status status = context_.store.RunInTransaction([&](store::Store& tx) -> absl::Status {
    absl::StatusOr<std::int64_t> count = supersede(tx);
    if (!count.ok()) return count.status();
    ended = *count;
    if (ended == 0) return absl::OkStatus();
    return tx.AppendAudit(MakeAudit(now, "system", kGraceEndAction, target,
                                    json{{"superseded", ended}, {"why", why}}));
  });
  if (!status.ok()) return status;
  // Polled by the housekeeper: only a real change reloads the fleet.
  if (ended > 0 && context_.on_change) context_.on_change();
  return ended;
}

}  // namespace iothub::registry
