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

}  // namespace iothub::store
