// JSON views of the registry's objects, in the contract's camelCase shapes (sections 4,
// 5, 6), shared by the CLI (--json) and the HTTP API so both print the same thing.
//
// Conventions: objects are nlohmann::ordered_json, so keys keep the contract's order
// (id first) when printed; they convert implicitly to nlohmann::json. Times are ISO 8601 UTC
// strings with milliseconds; an absent optional is null (the key is always present, so clients see
// one fixed shape); a user's balance is a string with exactly two decimals ("12.50"), never a
// float, so that no client sees 0.1 + 0.2 rounding. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "model/certificate.h"
#include "model/device.h"
#include "model/user.h"
#include "registry/acl_rule_book.h"
#include "registry/ca_service.h"
#include "registry/certificate_service.h"
#include "registry/paging.h"

namespace iothub::registry {

// {id, model, publicKey|null, ownerId|null, status, firmwareVersion|null,
//  lastSeenAt|null, createdAt}
nlohmann::ordered_json DeviceToJson(const Device& device);

// {id, userId|null (the identity provider's subject), email, name, avatar|null, role,
//  balance ("12.50"), plan, planExpiresAt|null, metadata (object), createdAt, updatedAt}
nlohmann::ordered_json UserToJson(const User& user);

// {id, deviceId, fingerprint, serialNumber, validFrom, validTo, createdAt,
//  revokedAt|null, revocationReason|null, clientCert (PEM), caCert (PEM)}
nlohmann::ordered_json CertificateToJson(const Certificate& certificate);

// The sign-csr answer (contract section 6): {certificate (PEM), caCertificate (PEM),
// fingerprint, serialNumber, validFrom, validTo}.
nlohmann::ordered_json SignedCertificateToJson(const Certificate& certificate);

// {valid, deviceId?, fingerprint, reason?}: deviceId when the certificate is known,
// reason ("unknown", "revoked", "not_yet_valid", "expired") when not valid.
nlohmann::ordered_json ValidationToJson(const FingerprintValidation& validation);

// {id, generation, subject, notBefore, notAfter, status: "active"|"retired", retiredAt,
//  signing, activeCertificates}: one CA of `ca status` and GET /api/ca.
nlohmann::ordered_json CaStatusToJson(const CaStatus& status);

// {devices: [...], total, page, limit}
nlohmann::ordered_json DevicePageToJson(const Page<Device>& page);
// {users: [...], total, page, limit}
nlohmann::ordered_json UserPageToJson(const Page<User>& page);

// An access rule in evaluation order (the API contract's Rule): {id|null, origin
// ("config" | "database"), position, effect, who, action, topic, description,
// createdAt|null, updatedAt|null, updatedBy|null}. Unlike the other views, times are
// unix milliseconds, as the contract asks; a configured rule has no id, times or actor.
nlohmann::ordered_json AclRuleToJson(const ListedAclRule& listed);

}  // namespace iothub::registry
