// The first CA's files in the data directory (<data_dir>/ca/ca.key and ca.crt), made by
// `iot-hub ca init`, and the names of key types. Thread-compatible:
// call from one thread at start-up (the files are created with O_EXCL, so two processes
// racing to create both fail safely rather than overwrite).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "crypto/certificate_authority.h"
#include "crypto/keys.h"

namespace iothub::registry {

// "ec-p256", "ec-p384", "rsa-3072" (the config's ca.key_type); nullopt otherwise.
std::optional<crypto::KeyType> ParseKeyType(std::string_view name);
std::string_view KeyTypeName(crypto::KeyType type);

// Creates the first CA in <data_dir>/ca/; AlreadyExists ("a CA already exists in ...")
// when either of its files, or a rotated CA (registry/ca_keyring.h), is present. Loading,
// and creating on first use, is CaKeyring::Open.
absl::StatusOr<crypto::CertificateAuthority> InitCa(const std::filesystem::path& data_dir,
                                                    crypto::KeyType key_type, UnixMillis now);

}  // namespace iothub::registry
