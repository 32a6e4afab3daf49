#include "auth/device_authenticator.h"

#include "crypto/certificate_encoding.h"
#include "crypto/fingerprint.h"

namespace iothub::auth {

AuthResult DeviceAuthenticator::Authenticate(std::string_view clientid, std::string_view username,
                                             const FleetSnapshot& fleet, UnixMillis now) const {
  if (username.empty()) return AuthResult::Refuse("no client certificate");
  const auto der = crypto::DecodePemModeUsername(username);
  if (!der.ok()) return AuthResult::Refuse("username is not a base64 DER certificate");

  const Fingerprint fingerprint = crypto::Sha256Fingerprint(*der);
  if (options_.hub_fingerprint == fingerprint) {
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
  if (!device->has_certificate || device->current_fingerprint != fingerprint) {
    return AuthResult::Refuse("certificate superseded by a newer one");
  }
  if (options_.require_clientid_match && clientid != device->id) {
    return AuthResult::Refuse("clientid does not match the certificate's device");
  }
  auto principal = std::make_shared<Principal>();
  principal->kind = PrincipalKind::kDevice;
  principal->id = device->id;
  principal->owner_id = device->owner_id;
  principal->clientid = std::string(clientid);
  return {std::move(principal), "device certificate"};
}

std::string_view DeviceAuthenticator::UnregisteredReason(std::string_view der,
                                                         UnixMillis now) const {
  const auto verified = ca_.VerifyClientCertificate(der, now);
  if (verified.ok()) return "certificate not registered";
  switch (verified.status().code()) {
    case absl::StatusCode::kInvalidArgument:
      return "not a certificate";
    case absl::StatusCode::kUnauthenticated:
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
