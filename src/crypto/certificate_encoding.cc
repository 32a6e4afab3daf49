#include "crypto/certificate_encoding.h"

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"
#include "crypto/base64.h"
#include "crypto/openssl_error.h"
#include "crypto/openssl_handles.h"
#include "crypto/x509_util.h"

namespace iothub::crypto {
namespace {

constexpr std::string_view kPemBegin = "-----BEGIN";
// Certificate PEM longer than this is refused before parsing (also keeps it in an int).
constexpr std::size_t kMaxCertificatePemSize = 64 * 1024;

// Frees memory that PEM_read_bio hands out.
struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

}  // namespace

absl::StatusOr<std::string> CertificatePemToDer(std::string_view pem) {
  if (pem.empty()) return absl::InvalidArgumentError("certificate PEM is empty");
  if (pem.size() > kMaxCertificatePemSize) {
    return absl::InvalidArgumentError("certificate PEM is too large");
  }
  ClearOpenSslErrors();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new_mem_buf");
  // PEM_bytes_read_bio returns the raw block content; d2i_X509 below only validates it.
  unsigned char* data = nullptr;
  long size = 0;
  char* name = nullptr;
  if (PEM_bytes_read_bio(&data, &size, &name, PEM_STRING_X509, bio.get(), nullptr, nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "no CERTIFICATE PEM block");
  }
  std::unique_ptr<unsigned char, OpenSslFree> data_owner(data);
  std::unique_ptr<char, OpenSslFree> name_owner(name);

  const unsigned char* cursor = data;
  X509Ptr certificate(d2i_X509(nullptr, &cursor, size));
  if (certificate == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "PEM block is not an X.509 certificate");
  }
  if (cursor != data + size) {
    return absl::InvalidArgumentError("PEM block has bytes after the certificate");
  }
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::string CertificateDerToPem(std::string_view der) {
  const std::string base64 = Base64Encode(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < base64.size(); i += 64) {
    out.append(base64, i, 64);
    out.push_back('\n');
  }
  out += "-----END CERTIFICATE-----\n";
  return out;
}

absl::StatusOr<std::string> DecodePemModeUsername(std::string_view username) {
  if (username.empty()) return absl::InvalidArgumentError("pem-mode username is empty");
  if (username.size() > kMaxPemModeUsernameSize) {
    return absl::InvalidArgumentError(absl::StrCat("pem-mode username is ", username.size(),
                                                   " bytes; the limit is ",
                                                   kMaxPemModeUsernameSize));
  }
  if (username.find(kPemBegin) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "pem-mode username has PEM header lines; expected the base64 of the certificate DER "
        "only (EMQX peer_cert_as_username = pem)");
  }
  absl::StatusOr<std::string> der = Base64Decode(username);
  if (!der.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("pem-mode username: ", der.status().message()));
  }
  return der;
}

absl::StatusOr<CertificateSubject> SubjectOfDer(std::string_view der) {
  const absl::Status not_a_certificate = absl::InvalidArgumentError("not a certificate");
  if (der.empty() || der.size() > kMaxPemModeUsernameSize) return not_a_certificate;
  const auto* const begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* const end = begin + der.size();
  const unsigned char* cursor = begin;
  // Reads one TLV header at `cursor`; `*content_end` is where its content ends.
  const auto header = [&](int* tag, int* tag_class, const unsigned char** content_end) {
    long length = 0;
    const int flags =
        ASN1_get_object(&cursor, &length, tag, tag_class, static_cast<long>(end - cursor));
    if ((flags & 0x80) != 0 || length > end - cursor) return false;
    *content_end = cursor + length;
    return true;
  };
  int tag = 0, tag_class = 0;
  const unsigned char* certificate_end = nullptr;
  const unsigned char* tbs_end = nullptr;
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serial,
  // signature, issuer, validity, subject, ... }, ... }
  if (!header(&tag, &tag_class, &certificate_end) || tag != V_ASN1_SEQUENCE ||
      certificate_end != end) {
    ClearOpenSslErrors();
    return not_a_certificate;
  }
  if (!header(&tag, &tag_class, &tbs_end) || tag != V_ASN1_SEQUENCE) {
    ClearOpenSslErrors();
    return not_a_certificate;
  }
  const unsigned char* subject_begin = nullptr;
  for (int field = 0; field < 6; ++field) {
    const unsigned char* field_begin = cursor;
    const unsigned char* field_end = nullptr;
    if (!header(&tag, &tag_class, &field_end) || field_end > tbs_end) {
      ClearOpenSslErrors();
      return not_a_certificate;
    }
    const bool version = field == 0 && tag_class == V_ASN1_CONTEXT_SPECIFIC && tag == 0;
    if (field == 0 && !version) ++field;  // v1: no version field
    if (field == 5) {
      subject_begin = field_begin;
      cursor = field_end;
      break;
    }
    cursor = field_end;
  }
  if (subject_begin == nullptr || tag != V_ASN1_SEQUENCE) return not_a_certificate;
  // Only the Name is decoded: d2i_X509 would also decode the public key, which costs
  // OpenSSL 3 about 100 times more.
  const unsigned char* name_cursor = subject_begin;
  X509NamePtr subject(
      d2i_X509_NAME(nullptr, &name_cursor, static_cast<long>(cursor - subject_begin)));
  if (subject == nullptr || name_cursor != cursor) {
    ClearOpenSslErrors();
    return not_a_certificate;
  }
  return CertificateSubject{.cn = CommonNameOf(subject.get()), .dn = NameToRfc4514(subject.get())};
}

}  // namespace iothub::crypto
