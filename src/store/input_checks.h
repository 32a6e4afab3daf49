// Argument checks every Store backend makes the same way, so that SQLite and PostgreSQL
// refuse the same inputs with the same errors. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/certificate.h"

namespace iothub::store {

// InvalidArgument for a negative offset or limit.
absl::Status CheckPage(std::int64_t offset, std::int64_t limit);

// The canonical text of a fingerprint given in any accepted form (any case, with or
// without colons); InvalidArgument unless it is 32 bytes of hex.
absl::StatusOr<std::string> CanonicalFingerprint(std::string_view text);

// The canonical fingerprints of a renewal (Store::InsertRenewedCertificate), or
// InvalidArgument for a malformed one or a successor that is revoked or in grace.
struct RenewalFingerprints {
  std::string successor;
  std::string renewing;
};
absl::StatusOr<RenewalFingerprints> CheckRenewal(const Certificate& successor,
                                                 std::string_view renewing_fingerprint);

// The FailedPrecondition for a renewing certificate that is unknown, revoked or another
// device's (`fingerprint` canonical).
absl::Status RenewingNotUsable(std::string_view fingerprint);

}  // namespace iothub::store
