// Certificate fingerprints as text: the contract shows them as uppercase colon hex
// ("AB:CD:..."), and accepts any case, with or without colons. The store keeps the
// canonical text in SQLite and turns it into raw bytes for the FleetSnapshot.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/fleet_snapshot.h"

namespace iothub {

// Parses 32 bytes written as 64 hex digits, any case, optionally separated by single
// colons between bytes. nullopt for anything else.
std::optional<Fingerprint> ParseFingerprint(std::string_view text);

// The canonical form: uppercase, colon-separated (95 characters).
std::string FormatFingerprint(const Fingerprint& fingerprint);

}  // namespace iothub
