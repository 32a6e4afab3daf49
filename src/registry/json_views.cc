#include "registry/json_views.h"

#include "common/json_parse.h"
#include "registry/money.h"
#include "registry/time_format.h"

namespace iothub::registry {
namespace {

using json = nlohmann::ordered_json;

json OptionalTime(const std::optional<UnixMillis>& at) {
  return at ? json(FormatIso8601(*at)) : json(nullptr);
}

json OptionalString(const std::optional<std::string>& text) {
  return text ? json(*text) : json(nullptr);
}

}  // namespace

json DeviceToJson(const Device& device) {
  return json{{"id", device.id},
              {"model", device.model},
              {"publicKey", device.public_key.empty() ? json(nullptr) : json(device.public_key)},
              {"ownerId", OptionalString(device.owner_id)},
              {"status", ToString(device.status)},
              {"firmwareVersion", OptionalString(device.firmware_version)},
              {"lastSeenAt", OptionalTime(device.last_seen_at)},
              {"createdAt", FormatIso8601(device.created_at)}};
}

json UserToJson(const User& user) {
  // Stored metadata is always an object (validated on write); a corrupt value shows as {}.
  absl::StatusOr<nlohmann::json> stored = ParseJson(user.metadata_json);
  json metadata = stored.ok() && stored->is_object() ? json(*stored) : json::object();
  return json{{"id", user.id},
              {"userId", user.subject.empty() ? json(nullptr) : json(user.subject)},
              {"email", user.email},
              {"name", user.name},
              {"avatar", OptionalString(user.avatar)},
              {"role", ToString(user.role)},
              {"balance", FormatCents(user.balance_cents)},
              {"plan", user.plan},
              {"planExpiresAt", OptionalTime(user.plan_expires_at)},
              {"metadata", std::move(metadata)},
              {"createdAt", FormatIso8601(user.created_at)},
              {"updatedAt", FormatIso8601(user.updated_at)}};
}

json CertificateToJson(const Certificate& certificate) {
  return json{{"id", certificate.id},
              {"deviceId", certificate.device_id},
              {"fingerprint", certificate.fingerprint},
              {"serialNumber", certificate.serial_number},
              {"validFrom", FormatIso8601(certificate.valid_from)},
              {"validTo", FormatIso8601(certificate.valid_to)},
              {"createdAt", FormatIso8601(certificate.created_at)},
              {"revokedAt", OptionalTime(certificate.revoked_at)},
              {"revocationReason", OptionalString(certificate.revocation_reason)},
              {"graceUntil", OptionalTime(certificate.grace_until)},
              {"clientCert", certificate.client_cert_pem},
              {"caCert", certificate.ca_cert_pem}};
}

json SignedCertificateToJson(const Certificate& certificate) {
  return json{{"certificate", certificate.client_cert_pem},
              {"caCertificate", certificate.ca_cert_pem},
              {"fingerprint", certificate.fingerprint},
              {"serialNumber", certificate.serial_number},
              {"validFrom", FormatIso8601(certificate.valid_from)},
              {"validTo", FormatIso8601(certificate.valid_to)}};
}

json ValidationToJson(const FingerprintValidation& validation) {
  json out{{"valid", validation.valid}, {"fingerprint", validation.fingerprint}};
  if (validation.device_id) out["deviceId"] = *validation.device_id;
  if (validation.reason) out["reason"] = ToString(*validation.reason);
  return out;
}

json DevicePageToJson(const Page<Device>& page) {
  json devices = json::array();
  for (const Device& device : page.items) devices.push_back(DeviceToJson(device));
  return json{{"devices", std::move(devices)},
              {"total", page.total},
              {"page", page.page},
              {"limit", page.limit}};
}

json UserPageToJson(const Page<User>& page) {
  json users = json::array();
  for (const User& user : page.items) users.push_back(UserToJson(user));
  return json{{"users", std::move(users)},
              {"total", page.total},
              {"page", page.page},
              {"limit", page.limit}};
}

nlohmann::ordered_json AclRuleToJson(const ListedAclRule& listed) {
  const bool stored = listed.origin == acl::RuleOrigin::kDatabase;
  const store::StoredAclRule& rule = listed.stored;
  const auto or_null = [stored](const auto& value) {
    return stored ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
  };
  return {{"id", or_null(rule.id)},
          {"origin", acl::ToString(listed.origin)},
          {"position", listed.position},
          {"effect", rule.effect},
          {"who", rule.who},
          {"action", rule.action},
          {"topic", rule.topic},
          {"description", rule.description},
          {"createdAt", or_null(rule.created_at)},
          {"updatedAt", or_null(rule.updated_at)},
          {"updatedBy", or_null(rule.updated_by)}};
}

json CaStatusToJson(const CaStatus& status) {
  return json{{"id", status.id},
              {"generation", status.generation},
              {"subject", status.subject},
              {"notBefore", FormatIso8601(status.not_before)},
              {"notAfter", FormatIso8601(status.not_after)},
              {"status", status.retired_at ? "retired" : "active"},
              {"retiredAt", OptionalTime(status.retired_at)},
              {"signing", status.signing},
              {"activeCertificates", status.active_certificates}};
}

}  // namespace iothub::registry
