// Key pairs: generation for the CA and for certificates the hub issues with their own
// key, PEM export, and the policy on which device public keys a CSR may carry.
// Stateless functions; thread-safe (an EVP_PKEY may be read from many threads).
#pragma once

#include <openssl/evp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/openssl_handles.h"

namespace iothub::crypto {

enum class KeyType {
  kEcP256,   // ECDSA over NIST P-256 (default: small, fast, universally supported)
  kEcP384,   // ECDSA over NIST P-384
  kRsa3072,  // RSA 3072 bits, for peers that cannot do ECDSA
};

// A fresh key pair of `type`.
absl::StatusOr<EvpPkeyPtr> GenerateKey(KeyType type);

// Unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") of the private key.
absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key);

// SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") of the public key.
absl::StatusOr<std::string> PublicKeyToPem(EVP_PKEY* key);

// OK when `key` may be certified for a device: RSA of 2048 to 8192 bits, or EC on the
// named curve P-256 or P-384. InvalidArgument naming the problem otherwise (RSA 1024,
// RSA-PSS-only keys, Ed25519, P-521, explicit curve parameters, ...). The RSA upper
// bound keeps verification cost bounded.
absl::Status CheckDeviceKey(EVP_PKEY* key);

// The digest to sign with `signing_key`: SHA-384 for P-384 keys, SHA-256 otherwise.
const EVP_MD* SignatureDigestFor(EVP_PKEY* signing_key);

}  // namespace iothub::crypto
