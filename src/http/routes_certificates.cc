// Routes of /api/devices/certificates (contract sections 4 and 6): signing a device's
// CSR, reading, revoking and validating certificates by fingerprint, and the CA
// certificate. An admin may do all of it for any device; a user only for devices bound
// to them. The CA certificate is public information, open to every caller.
#include "http/device_access.h"
#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"
#include "registry/certificate_service.h"
#include "registry/input_checks.h"
#include "registry/json_views.h"

namespace iothub::http {
namespace {

using nlohmann::json;

constexpr std::string_view kDefaultRevokeReason = "revoked via the HTTP API";

// The certificate at the path's fingerprint, when the caller may see it.
Result<Certificate> OwnedCertificate(ApiContext& context, const RequestContext& request) {
  const std::string& fingerprint = request.path.at("fingerprint");
  if (auto bad = CheckPathFingerprint(fingerprint)) return *bad;
  absl::StatusOr<Certificate> certificate =
      context.registry.certificates().GetCertificate(fingerprint);
  if (!certificate.ok()) return ErrorFromStatus(certificate.status(), "fingerprint");
  if (!request.caller->admin) {
    Result<Device> device = LoadDevice(context, "deviceId", certificate->device_id);
    if (!device.ok()) return device.error();
    if (auto denied = CheckOwnsDevice(*request.caller, *device)) return *denied;
  }
  return *std::move(certificate);
}

Reply SignCsr(ApiContext& context, const RequestContext& request) {
  registry::CsrRequest csr;
  csr.device_id = *OptionalString(request.body, "deviceId");
  csr.csr_pem = *OptionalString(request.body, "csrPem");
  csr.firmware_version = OptionalString(request.body, "firmwareVersion");
  if (csr.firmware_version) {
    if (absl::Status s = registry::CheckText("firmware version", *csr.firmware_version, 1, 64);
        !s.ok()) {
      return ErrorReply(ErrorFromStatus(s, "firmwareVersion"));
    }
  }
  Result<Device> device = LoadDevice(context, "deviceId", csr.device_id);
  if (!device.ok()) return ErrorReply(device.error());
  if (auto denied = CheckOwnsDevice(*request.caller, *device)) return ErrorReply(*denied);
  absl::StatusOr<Certificate> signed_certificate =
      context.registry.certificates().SignCsr(csr, request.caller->actor);
  if (!signed_certificate.ok()) {
    return ErrorReply(ErrorFromStatus(signed_certificate.status(), "csrPem"));
  }
  return JsonReply(200, registry::SignedCertificateToJson(*signed_certificate));
}

Reply GetCaCertificate(ApiContext& context, const RequestContext&) {
  absl::StatusOr<std::string> pem = context.registry.cas().SigningCertificate();
  if (!pem.ok()) return ErrorReply(Unavailable("the CA certificate is not available"));
  return TextReply(200, *pem, "application/x-pem-file");
}

Reply GetCertificate(ApiContext& context, const RequestContext& request) {
  Result<Certificate> certificate = OwnedCertificate(context, request);
  if (!certificate.ok()) return ErrorReply(certificate.error());
  return JsonReply(200, registry::CertificateToJson(*certificate));
}

Reply RevokeCertificate(ApiContext& context, const RequestContext& request) {
  Result<Certificate> certificate = OwnedCertificate(context, request);
  if (!certificate.ok()) return ErrorReply(certificate.error());
  std::string reason(kDefaultRevokeReason);
  if (auto found = request.query.find("reason"); found != request.query.end()) {
    reason = found->second;
  }
  absl::StatusOr<Certificate> revoked = context.registry.certificates().RevokeCertificate(
      certificate->fingerprint, reason, request.caller->actor);
  if (!revoked.ok()) return ErrorReply(ErrorFromStatus(revoked.status(), "reason"));
  return JsonReply(200, json{{"message", "certificate " + revoked->fingerprint + " revoked"}});
}

Reply ValidateCertificate(ApiContext& context, const RequestContext& request) {
  const std::string& fingerprint = request.path.at("fingerprint");
  if (auto bad = CheckPathFingerprint(fingerprint)) return ErrorReply(*bad);
  absl::StatusOr<registry::FingerprintValidation> validation =
      context.registry.certificates().ValidateFingerprint(fingerprint,
                                                          context.clock.NowUnixMillis());
  if (!validation.ok()) return ErrorReply(ErrorFromStatus(validation.status(), "fingerprint"));
  if (!request.caller->admin && validation->device_id) {
    Result<Device> device = LoadDevice(context, "deviceId", *validation->device_id);
    if (!device.ok()) return ErrorReply(device.error());
    if (auto denied = CheckOwnsDevice(*request.caller, *device)) return ErrorReply(*denied);
  }
  return JsonReply(200, registry::ValidationToJson(*validation));
}

}  // namespace

std::vector<Route> CertificateRoutes() {
  return {
      {Method::kPost,
       "/api/devices/certificates/sign-csr",
       "Sign a device's CSR with the hub CA (admin, or the device's owner)",
       "certificates",
       Access::kCaller,
       BodySchema{{{"deviceId", FieldType::kString, true, "device id"},
                   {"csrPem", FieldType::kString, true, "PKCS#10 CSR (PEM)"},
                   {"firmwareVersion", FieldType::kString, false, "1-64 characters"}}},
       {},
       {{200, "the signed certificate", "SignedCertificate"}},
       SignCsr},
      // Before {fingerprint}: routes match in order.
      {Method::kGet,
       "/api/devices/certificates/ca",
       "The certificate of the CA that signs (PEM); every trusted CA: /api/ca/bundle",
       "certificates",
       Access::kCaller,
       std::nullopt,
       {},
       {{200, "CA certificate, application/x-pem-file", ""}},
       GetCaCertificate},
      {Method::kGet,
       "/api/devices/certificates/{fingerprint}",
       "A certificate by SHA-256 fingerprint (admin, or the device's owner)",
       "certificates",
       Access::kCaller,
       std::nullopt,
       {},
       {{200, "the certificate", "Certificate"}},
       GetCertificate},
      {Method::kDelete,
       "/api/devices/certificates/{fingerprint}",
       "Revoke a certificate (admin, or the device's owner)",
       "certificates",
       Access::kCaller,
       std::nullopt,
       {{"reason", "revocation reason, 1-100 characters (optional)"}},
       {{200, "{message}", "Message"}},
       RevokeCertificate},
      {Method::kPost,
       "/api/devices/certificates/validate/{fingerprint}",
       "Whether a certificate is usable now",
       "certificates",
       Access::kCaller,
       std::nullopt,
       {},
       {{200, "{valid, deviceId?, fingerprint, reason?}", "Validation"}},
       ValidateCertificate},
  };
}

}  // namespace iothub::http
