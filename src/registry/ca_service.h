// CaService: CA rotation with overlap (docs/certificates.md "CA rotation"): the status
// of every CA with the device certificates it still backs, a new CA that signs from
// now on while the old ones stay trusted, the bundle of trusted CAs for a broker's
// cafile, and retiring a CA. Shared by `iot-hub ca ...` and the HTTP API.
//
// Retiring a CA revokes (reason "CA retired") every unrevoked certificate it signed, in
// one store transaction with the audit row, and then marks it retired: its
// certificates are refused at the next login on every hub (the fleet snapshot), it
// leaves the bundle and verifies nothing. Refused while active (unrevoked, unexpired)
// certificates depend on it unless forced, and always for the signing CA (rotate
// first), so that some CA always signs.
//
// Thread-safety: thread-safe (see RegistryContext).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/keys.h"
#include "registry/registry_context.h"

namespace iothub::registry {

// One CA as `ca status` shows it.
struct CaStatus {
  std::string id;
  int generation = 0;
  std::string subject;
  UnixMillis not_before = 0;
  UnixMillis not_after = 0;
  std::optional<UnixMillis> retired_at;  // set: retired
  bool signing = false;                  // the CA that signs new certificates
  std::int64_t active_certificates = 0;  // unrevoked and unexpired, signed by it
};

// The outcome of Retire.
struct CaRetirement {
  std::string id;
  std::int64_t revoked_certificates = 0;
};

class CaService {
 public:
  static constexpr std::string_view kRotateAction = "ca.rotate";
  static constexpr std::string_view kRetireAction = "ca.retire";
  static constexpr std::string_view kRetiredReason = "CA retired";

  explicit CaService(const RegistryContext& context) : context_(context) {}

  // Every CA, oldest first. FailedPrecondition without CAs (as every method).
  absl::StatusOr<std::vector<CaStatus>> Status();

  // Makes a new CA of `key_type`, which signs from now on; audited. Returns its status.
  absl::StatusOr<CaStatus> Rotate(crypto::KeyType key_type, std::string_view actor);

  // Retires the CA `id` (16 hex digits, any case). InvalidArgument for a malformed id;
  // NotFound for an unknown one; FailedPrecondition when it is already retired, is the
  // signing CA, or (without `force`) backs active certificates -- the message says how
  // many.
  absl::StatusOr<CaRetirement> Retire(std::string_view id, bool force, std::string_view actor);

  // The PEM certificates of every trusted CA (a broker's cafile).
  absl::StatusOr<std::string> Bundle();
  // The signing CA's certificate (PEM). FailedPrecondition when every CA is retired.
  absl::StatusOr<std::string> SigningCertificate();

 private:
  // Active certificates per CA id at `now`.
  absl::StatusOr<std::map<std::string, std::int64_t>> ActiveCounts(UnixMillis now);

  RegistryContext context_;
};

}  // namespace iothub::registry
