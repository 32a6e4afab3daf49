// The payloads of certificate renewal over MQTT (docs/certificates.md), JSON in UTF-8:
//   request (device -> devices/{id}/cert/renew):  {"id": "<1-64 [A-Za-z0-9_-]>", "csr": "<PEM>"}
//   reply   (hub -> devices/{id}/cert/renew/reply), exactly one of result and error:
//     {"id", "result": {"certificate", "caCertificate", "fingerprint", "serialNumber",
//                       "validFrom", "validTo", "graceUntil"}}
//     {"id" (null when the request had no usable id), "error": {"code", "message"}}
// The hub parses requests and writes replies; device-sim does the opposite. Pure
// functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace iothub {

// Largest request accepted: a CSR is at most 16 KB (crypto::kMaxCsrPemSize), plus room.
inline constexpr std::size_t kMaxRenewRequestBytes = 20 * 1024;

struct RenewRequest {
  std::string id;
  std::string csr;
};

// The reply's error codes (its "code" text).
enum class RenewError {
  kBadRequest,    // "bad_request": not JSON, unknown field, bad id, no csr, too large
  kCsrInvalid,    // "csr_invalid": the CSR failed the vetting sign-device applies
  kKeyReused,     // "key_reused": the CSR's key was the key of one of the device's certificates
  kRateLimited,   // "rate_limited": the device renewed too recently
  kNotRenewable,  // "not_renewable": device revoked, or its certificate no longer usable
  kInternal,      // "internal": the hub could not complete it; retry later
};
std::string_view ToString(RenewError error);

struct RenewResult {
  std::string certificate_pem;
  std::string ca_certificate_pem;
  std::string fingerprint;
  std::string serial_number;
  UnixMillis valid_from = 0;
  UnixMillis valid_to = 0;
  UnixMillis grace_until = 0;  // the renewing certificate works until then at most
};

// InvalidArgument with a reason for anything but a request as documented.
absl::StatusOr<RenewRequest> ParseRenewRequest(std::string_view payload);
std::string FormatRenewRequest(const RenewRequest& request);

std::string FormatRenewResult(std::string_view id, const RenewResult& result);
std::string FormatRenewError(std::optional<std::string_view> id, RenewError error,
                             std::string_view message);

// A reply as a device reads it.
struct RenewReply {
  std::optional<std::string> id;
  std::optional<RenewResult> result;  // set on success
  std::string error_code;             // set on failure
  std::string error_message;
};
absl::StatusOr<RenewReply> ParseRenewReply(std::string_view payload);

}  // namespace iothub
