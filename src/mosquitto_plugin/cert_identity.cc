#include "mosquitto_plugin/cert_identity.h"

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>

#include "absl/status/status.h"

namespace iothub::mosquitto_plugin {
namespace {

std::string Base64(const unsigned char* data, int len) {
  std::string out(4 * ((static_cast<size_t>(len) + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, len);
  out.resize(written < 0 ? 0 : static_cast<size_t>(written));
  return out;
}

std::string SubjectCn(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return "";
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

}  // namespace

std::string NameToRfc4514(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return "";
  // RFC 2253/4514 output, but UTF-8 bytes printed as they are (EMQX keeps them).
  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return "";
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

absl::StatusOr<CertIdentity> IdentityFromCertificate(X509* cert) {
  if (cert == nullptr) return absl::InvalidArgumentError("no certificate");
  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert, &der);
  if (der_len <= 0) return absl::InternalError("cannot DER-encode the client certificate");
  CertIdentity identity;
  identity.pem_username = Base64(der, der_len);
  OPENSSL_free(der);
  const X509_NAME* subject = X509_get_subject_name(cert);
  if (subject != nullptr) {
    identity.cn = SubjectCn(subject);
    identity.dn = NameToRfc4514(subject);
  }
  return identity;
}

}  // namespace iothub::mosquitto_plugin
