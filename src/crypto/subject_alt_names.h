// Subject alternative names for server certificates, given as text ("DNS:emqx",
// "IP:127.0.0.1", "IP:::1") and validated strictly before they reach a certificate.
// Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/openssl_handles.h"

namespace iothub::crypto {

// Builds GENERAL_NAMES from "DNS:<host name>" (letters, digits and hyphens in dot-separated
// labels of 1-63 characters, at most 253 in all, no wildcards) and "IP:<IPv4 or IPv6
// address>" entries. The names are built directly, never through OpenSSL's config
// syntax, so a value cannot smuggle in other name types. InvalidArgument naming the
// entry when one is malformed, or when `sans` is empty.
absl::StatusOr<GeneralNamesPtr> ParseSubjectAltNames(const std::vector<std::string>& sans);

// GENERAL_NAMES holding the one DNS name `name`, which is NOT checked: for device ids,
// which common/ids.h already restricts to [A-Za-z0-9_-] but which may hold '_' or
// start with '-', neither allowed in a host name.
absl::StatusOr<GeneralNamesPtr> SingleDnsName(std::string_view name);

}  // namespace iothub::crypto
