// Test PKI: makes EC keys and X.509 certificates with OpenSSL for the plugin tests
// (a CA, a server certificate for 127.0.0.1, client certificates with any subject).
// Thread-compatible; each call builds fresh objects.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace iothub::mosquitto_plugin::testing {

// One subject attribute in openssl's order (C first). `join_previous` puts it in the
// same RDN as the previous entry (a multi-valued RDN, printed with '+').
struct NameEntry {
  std::string field;  // "CN", "O", "OU", "C", ...
  std::string value;  // UTF-8
  bool join_previous = false;
};

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct Issued {
  X509Ptr cert;
  std::string cert_pem;
  std::string key_pem;
  std::shared_ptr<EVP_PKEY> key;
};

// A self-signed CA.
Issued MakeCa(const std::string& cn);
// A certificate signed by `ca`; `server` adds SAN IP:127.0.0.1 and serverAuth.
Issued Issue(const Issued& ca, const std::vector<NameEntry>& subject, bool server);

}  // namespace iothub::mosquitto_plugin::testing
