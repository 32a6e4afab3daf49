// What device-sim needs to renew its certificate over MQTT (docs/certificates.md): when
// its certificate ends, a new key with its CSR, and writing the renewed files. Plain
// OpenSSL, so the simulator stays independent of the hub's own crypto code. Stateless;
// thread-safe.
#pragma once

#include <optional>
#include <string>

namespace iothub::device_sim {

// notAfter of the first certificate in the PEM file, in Unix milliseconds; nullopt
// when the file holds no readable certificate.
std::optional<long long> CertificateNotAfterMillis(const std::string& cert_file);

struct KeyAndCsr {
  std::string key_pem;  // PKCS#8, unencrypted
  std::string csr_pem;
};
// A fresh EC P-256 key and a CSR for it (CN=device-{device_id}, signed with it);
// nullopt when OpenSSL fails.
std::optional<KeyAndCsr> NewKeyAndCsr(const std::string& device_id);

// Replaces `path` with `content` (a temporary file renamed over it, mode 0600), so that a
// crash leaves the old file or the new one. False on failure.
bool ReplaceFile(const std::string& path, const std::string& content);

}  // namespace iothub::device_sim
