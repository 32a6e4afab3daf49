// Test PKI for the end-to-end tests, with OpenSSL: device keys and CSRs (what a device
// makes before the hub signs it), and certificates the hub would never issue: expired
// ones and odd subjects signed with the hub's own CA key, and ones from a foreign CA.
// Pure functions over PEM text; thread-safe. Failures throw std::runtime_error.
#pragma once

#include <string>
#include <vector>

namespace iothub::e2e {

// One subject attribute, in order (C first as openssl prints it). `join_previous` puts
// it in the same RDN as the previous entry (a multi-valued RDN). `utf8` false encodes
// the value as a T61String of the raw bytes (not UTF-8: Latin-1 and worse).
struct NameEntry {
  std::string field;  // "CN", "O", "OU", "C", "L", "ST", ...
  std::string value;
  bool join_previous = false;
  bool utf8 = true;
};

struct KeyAndCert {
  std::string key_pem;
  std::string cert_pem;
};

// A new EC P-256 private key (PKCS#8 PEM).
std::string NewKeyPem();
// A CSR for `key_pem` with subject CN = `common_name`, signed with the key.
std::string MakeCsrPem(const std::string& key_pem, const std::string& common_name);

// A self-signed CA with a new key.
KeyAndCert MakeCa(const std::string& common_name);

// A client certificate (clientAuth, new key) signed by the CA, valid from
// now + not_before_s to now + not_after_s (seconds, may be negative).
KeyAndCert IssueClientCert(const KeyAndCert& ca, const std::vector<NameEntry>& subject,
                           long not_before_s = -3600, long not_after_s = 86400);

// SHA-256 of the certificate's DER as uppercase colon-separated hex (the hub's form).
std::string FingerprintOf(const std::string& cert_pem);

}  // namespace iothub::e2e
