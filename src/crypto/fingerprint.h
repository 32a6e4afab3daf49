// Certificate fingerprints (contract section 4): SHA-256 over the certificate's DER,
// shown as uppercase colon-separated hex (AB:CD:...), accepted in any case with or
// without colons. Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/fingerprint_text.h"
#include "model/fleet_snapshot.h"

namespace iothub::crypto {

using ::iothub::Fingerprint;

// SHA-256 of `der` (the bytes exactly as given; nothing is parsed).
Fingerprint Sha256Fingerprint(std::string_view der);

// "AB:CD:...:EF": 32 uppercase hex pairs joined by colons (95 characters), the same
// text `openssl x509 -fingerprint -sha256` prints after "sha256 Fingerprint=".
using ::iothub::FormatFingerprint;

// iothub::ParseFingerprint (model/fingerprint_text.h) with an error that says what a
// fingerprint looks like: InvalidArgument for anything but 64 hex digits in any case,
// run together or with a colon between every pair.
absl::StatusOr<Fingerprint> ParseFingerprint(std::string_view text);

}  // namespace iothub::crypto
