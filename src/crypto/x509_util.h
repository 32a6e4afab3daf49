// Small conversions between OpenSSL's X.509 field types and the hub's types: times,
// serial numbers, names and encodings. Used by CertificateAuthority; stateless,
// thread-safe for distinct or read-only arguments.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "crypto/openssl_handles.h"

namespace iothub::crypto {

// A fresh 128-bit positive serial: 16 random bytes from the CSPRNG with the top bit
// cleared (so the DER INTEGER stays positive in 16 bytes) and never zero.
absl::StatusOr<Asn1IntegerPtr> RandomSerial();

// Uppercase hex of a serial, whole bytes without leading zero bytes ("0A1B..."), as
// `openssl x509 -serial` prints it.
std::string SerialToHex(const ASN1_INTEGER* serial);

// Parses hex (any case, 1-40 digits, i.e. at most 20 bytes per RFC 5280) into a
// non-negative serial; InvalidArgument otherwise.
absl::StatusOr<Asn1IntegerPtr> SerialFromHex(std::string_view hex);

// Sets `time` (UTCTime before 2050, GeneralizedTime after) to `at`, truncated to whole
// seconds.
absl::Status SetAsn1Time(ASN1_TIME* time, UnixMillis at);
absl::StatusOr<Asn1TimePtr> MakeAsn1Time(UnixMillis at);

// The instant an ASN1_TIME names, in milliseconds since the epoch.
absl::StatusOr<UnixMillis> Asn1TimeToUnixMillis(const ASN1_TIME* time);

// A name holding only CN=`common_name` (UTF-8).
absl::StatusOr<X509NamePtr> CommonNameOnly(std::string_view common_name);

// The first CN of `name` as UTF-8; empty when there is none.
std::string CommonNameOf(const X509_NAME* name);

// The RFC 4514 string of a name, as EMQX reports a peer certificate's DN: the last RDN
// first, "," between RDNs (no spaces), "+" inside one, special characters escaped with
// a backslash, UTF-8 kept as UTF-8. Empty on failure.
std::string NameToRfc4514(const X509_NAME* name);

// DER encoding of a certificate.
absl::StatusOr<std::string> CertificateToDer(X509* certificate);

}  // namespace iothub::crypto
