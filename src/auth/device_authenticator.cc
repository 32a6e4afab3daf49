#include "auth/device_authenticator.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"

namespace iothub::auth {

std::optional<std::string_view> DeviceAuthenticator::CheckProof(const CertificateLogin& login,
                                                                std::string_view der) {
  const auto subject = crypto::SubjectOfDer(der);
  if (!subject.ok()) return "not a certificate";
  if (subject->cn != login.cn || subject->dn != login.dn) {
    return "certificate is not the client's TLS certificate";
  }
  return std::nullopt;
}

AuthResult DeviceAuthenticator::Authenticate(const CertificateLogin& login,
                                             const FleetSnapshot& fleet, UnixMillis now) const {
  const std::string_view clientid = login.clientid;
  if (login.username.empty()) return AuthResult::Refuse("no client certificate");
  // Without a verified peer certificate the broker sends no dn: a certificate in the
  // username is then only a copy of public data. (A certificate without a CN has a dn
  // but no cn; CheckProof refuses it, after an unregistered one got its precise reason.)
  if (login.dn.empty()) {
    return AuthResult::Refuse("no verified TLS client certificate (dn empty)");
  }
  if (!options_.certificate_ports.empty() &&
      std::find(options_.certificate_ports.begin(), options_.certificate_ports.end(),
                login.sockport) == options_.certificate_ports.end()) {
    return AuthResult::Refuse("certificate login on a listener not in auth.certificate_ports");
  }
  const auto der = crypto::DecodePemModeUsername(login.username);
  if (!der.ok()) return AuthResult::Refuse("username is not a base64 DER certificate");

  const Fingerprint fingerprint = crypto::Sha256Fingerprint(*der);
  if (options_.hub_fingerprint == fingerprint) {
    if (auto refused = CheckProof(login, *der)) return AuthResult::Refuse(*refused);
    auto hub = std::make_shared<Principal>();
    hub->kind = PrincipalKind::kService;
    hub->id = options_.hub_principal_id;
    hub->clientid = std::string(clientid);
    hub->hub_link = true;
    return {std::move(hub), "the hub's own certificate"};
  }
  const CertificateRecord* certificate = fleet.FindCertificate(fingerprint);
  if (certificate == nullptr) return AuthResult::Refuse(UnregisteredReason(*der, now));
  if (certificate->revoked) return AuthResult::Refuse("certificate revoked");
  if (now < certificate->valid_from) return AuthResult::Refuse("certificate not yet valid");
  if (now > certificate->valid_to) return AuthResult::Refuse("certificate expired");

  const DeviceRecord* device = fleet.FindDevice(certificate->device_id);
  if (device == nullptr) return AuthResult::Refuse("certificate of an unknown device");
  if (device->status == DeviceStatus::kRevoked) return AuthResult::Refuse("device revoked");
  const bool current = device->has_certificate && device->current_fingerprint == fingerprint;
  // A renewed certificate's predecessor admits until its grace ends (the store
  // supersedes it then, or when the successor is first used).
  if (!current && !(certificate->grace_until && now <= *certificate->grace_until)) {
    return AuthResult::Refuse("certificate superseded by a newer one");
  }
  if (options_.require_clientid_match && clientid != device->id) {
    return AuthResult::Refuse("clientid does not match the certificate's device");
  }
  if (auto refused = CheckProof(login, *der)) return AuthResult::Refuse(*refused);
  auto principal = std::make_shared<Principal>();
  principal->kind = PrincipalKind::kDevice;
  principal->id = device->id;
  principal->owner_id = device->owner_id;
  principal->clientid = std::string(clientid);
  principal->certificate_fingerprint = crypto::FormatFingerprint(fingerprint);
  principal->ends_grace = current && device->has_grace_certificate;
  return {std::move(principal), current ? "device certificate" : "device certificate in grace"};
}

std::string_view DeviceAuthenticator::UnregisteredReason(std::string_view der,
                                                         UnixMillis now) const {
  const auto verified = cas_.Load()->VerifyClientCertificate(der, now);
  if (verified.ok()) return "certificate not registered";
  switch (verified.status().code()) {
    case absl::StatusCode::kInvalidArgument:
      return "not a certificate";
    case absl::StatusCode::kUnauthenticated:
      if (absl::StrContains(verified.status().message(), "retired CA")) {
        return "certificate issued by a retired CA";
      }
      return "certificate not issued by the hub's CA";
    case absl::StatusCode::kPermissionDenied:
      return "certificate is not a client certificate";
    case absl::StatusCode::kFailedPrecondition:
      return "certificate outside its validity period";
    default:
      return "certificate refused";
  }
}

}  // namespace iothub::auth
