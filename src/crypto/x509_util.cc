#include "crypto/x509_util.h"

#include <openssl/rand.h>

#include <ctime>

#include "crypto/openssl_error.h"

namespace iothub::crypto {
namespace {

constexpr int kSerialBytes = 16;
constexpr std::size_t kMaxSerialHexDigits = 40;

// Whole seconds at or before `at` (floor, also for times before 1970).
std::time_t ToSeconds(UnixMillis at) {
  return static_cast<std::time_t>(at >= 0 ? at / 1000 : -((-at + 999) / 1000));
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

absl::StatusOr<Asn1IntegerPtr> RandomSerial() {
  ClearOpenSslErrors();
  unsigned char bytes[kSerialBytes];
  do {
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "RAND_bytes");
    }
    bytes[0] &= 0x7F;
  } while (bytes[0] == 0);  // also rules out zero; keeps the serial a full 16 bytes
  BignumPtr number(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  Asn1IntegerPtr serial(number ? BN_to_ASN1_INTEGER(number.get(), nullptr) : nullptr);
  if (serial == nullptr) return OpenSslError(absl::StatusCode::kInternal, "serial number");
  return serial;
}

std::string SerialToHex(const ASN1_INTEGER* serial) {
  BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (number == nullptr) return "";
  if (BN_is_zero(number.get())) return "00";
  char* hex = BN_bn2hex(number.get());  // uppercase, whole bytes
  if (hex == nullptr) return "";
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

absl::StatusOr<Asn1IntegerPtr> SerialFromHex(std::string_view hex) {
  if (hex.empty() || hex.size() > kMaxSerialHexDigits) {
    return absl::InvalidArgumentError("serial: expected 1-40 hex digits");
  }
  for (char c : hex) {
    if (!IsHexDigit(c)) return absl::InvalidArgumentError("serial: not a hex digit");
  }
  ClearOpenSslErrors();
  BIGNUM* raw = nullptr;
  const std::string text(hex);
  if (BN_hex2bn(&raw, text.c_str()) == 0) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "serial");
  }
  BignumPtr number(raw);
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (serial == nullptr) return OpenSslError(absl::StatusCode::kInternal, "serial");
  return serial;
}

absl::Status SetAsn1Time(ASN1_TIME* time, UnixMillis at) {
  ClearOpenSslErrors();
  if (ASN1_TIME_set(time, ToSeconds(at)) == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "time out of range");
  }
  return absl::OkStatus();
}

absl::StatusOr<Asn1TimePtr> MakeAsn1Time(UnixMillis at) {
  ClearOpenSslErrors();
  Asn1TimePtr time(ASN1_TIME_set(nullptr, ToSeconds(at)));
  if (time == nullptr) return OpenSslError(absl::StatusCode::kInvalidArgument, "time out of range");
  return time;
}

absl::StatusOr<UnixMillis> Asn1TimeToUnixMillis(const ASN1_TIME* time) {
  ClearOpenSslErrors();
  // ASN1_TIME_diff against the epoch avoids timegm and the local time zone.
  Asn1TimePtr epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (epoch == nullptr || ASN1_TIME_diff(&days, &seconds, epoch.get(), time) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "malformed certificate time");
  }
  return (static_cast<UnixMillis>(days) * 86400 + seconds) * 1000;
}

absl::StatusOr<X509NamePtr> CommonNameOnly(std::string_view common_name) {
  ClearOpenSslErrors();
  X509NamePtr name(X509_NAME_new());
  if (name == nullptr ||
      X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "invalid common name");
  }
  return name;
}

std::string CommonNameOf(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int size = ASN1_STRING_to_UTF8(&utf8, data);
  if (size < 0) return "";
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(size));
  OPENSSL_free(utf8);
  return out;
}

std::string NameToRfc4514(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  // RFC 2253 order and escaping, but UTF-8 bytes printed as they are (EMQX keeps them).
  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size > 0 ? static_cast<std::size_t>(size) : 0);
}

absl::StatusOr<std::string> CertificateToDer(X509* certificate) {
  ClearOpenSslErrors();
  unsigned char* der = nullptr;
  const int size = i2d_X509(certificate, &der);
  if (size <= 0) return OpenSslError(absl::StatusCode::kInternal, "i2d_X509");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return out;
}

}  // namespace iothub::crypto
