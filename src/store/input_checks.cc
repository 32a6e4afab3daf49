#include "store/input_checks.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "model/fingerprint_text.h"

namespace iothub::store {

absl::Status CheckPage(std::int64_t offset, std::int64_t limit) {
  if (offset < 0 || limit < 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad page: offset ", offset, ", limit ", limit));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CanonicalFingerprint(std::string_view text) {
  std::optional<Fingerprint> parsed = ParseFingerprint(text);
  if (!parsed) return absl::InvalidArgumentError("fingerprint is not 32 bytes of hex");
  return FormatFingerprint(*parsed);
}

absl::StatusOr<RenewalFingerprints> CheckRenewal(const Certificate& successor,
                                                 std::string_view renewing_fingerprint) {
  if (successor.revoked_at || successor.grace_until) {
    return absl::InvalidArgumentError("a renewed certificate must be unrevoked and not in grace");
  }
  absl::StatusOr<std::string> new_one = CanonicalFingerprint(successor.fingerprint);
  if (!new_one.ok()) return new_one.status();
  absl::StatusOr<std::string> renewing = CanonicalFingerprint(renewing_fingerprint);
  if (!renewing.ok()) return renewing.status();
  return RenewalFingerprints{*std::move(new_one), *std::move(renewing)};
}

absl::Status RenewingNotUsable(std::string_view fingerprint) {
  return absl::FailedPreconditionError(absl::StrCat(
      "certificate ", std::string(fingerprint), " is not an unrevoked certificate of the device"));
}

}  // namespace iothub::store
