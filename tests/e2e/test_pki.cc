#include "test_pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace iothub::e2e {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using ReqPtr = std::unique_ptr<X509_REQ, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write key");
  return BioText(bio.get());
}

std::string CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert) == 1, "write certificate");
  return BioText(bio.get());
}

KeyPtr KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  Check(key != nullptr, "read key");
  return key;
}

CertPtr CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  Check(cert != nullptr, "read certificate");
  return cert;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void SetSubject(X509_NAME* name, const std::vector<NameEntry>& subject) {
  for (const NameEntry& entry : subject) {
    const int set = entry.join_previous ? -1 : 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(entry.value.data());
    const int len = static_cast<int>(entry.value.size());
    const int ok = entry.utf8 ? X509_NAME_add_entry_by_txt(name, entry.field.c_str(), MBSTRING_UTF8,
                                                           bytes, len, -1, set)
                              : X509_NAME_add_entry_by_txt(name, entry.field.c_str(),
                                                           V_ASN1_T61STRING, bytes, len, -1, set);
    Check(ok == 1, "subject entry");
  }
}

CertPtr NewCert(EVP_PKEY* key, const std::vector<NameEntry>& subject, long not_before_s,
                long not_after_s) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after_s);
  X509_set_pubkey(cert.get(), key);
  SetSubject(X509_get_subject_name(cert.get()), subject);
  return cert;
}

}  // namespace

std::string NewKeyPem() { return KeyToPem(NewKey().get()); }

std::string MakeCsrPem(const std::string& key_pem, const std::string& common_name) {
  KeyPtr key = KeyFromPem(key_pem);
  ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  SetSubject(name, {{"CN", common_name}});
  X509_REQ_set_pubkey(req.get(), key.get());
  Check(X509_REQ_sign(req.get(), key.get(), EVP_sha256()) > 0, "sign CSR");
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509_REQ(bio.get(), req.get()) == 1, "write CSR");
  return BioText(bio.get());
}

KeyAndCert MakeCa(const std::string& common_name) {
  KeyPtr key = NewKey();
  CertPtr cert = NewCert(key.get(), {{"CN", common_name}}, -3600, 86400L * 365);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  Check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign CA");
  return {KeyToPem(key.get()), CertToPem(cert.get())};
}

KeyAndCert IssueClientCert(const KeyAndCert& ca, const std::vector<NameEntry>& subject,
                           long not_before_s, long not_after_s) {
  KeyPtr ca_key = KeyFromPem(ca.key_pem);
  CertPtr ca_cert = CertFromPem(ca.cert_pem);
  KeyPtr key = NewKey();
  CertPtr cert = NewCert(key.get(), subject, not_before_s, not_after_s);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "CA:FALSE");
  AddExtension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth");
  Check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "sign certificate");
  return {KeyToPem(key.get()), CertToPem(cert.get())};
}

std::string FingerprintOf(const std::string& cert_pem) {
  CertPtr cert = CertFromPem(cert_pem);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  Check(X509_digest(cert.get(), EVP_sha256(), digest, &len) == 1, "digest");
  std::string out;
  char hex[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof(hex), i == 0 ? "%02X" : ":%02X", digest[i]);
    out += hex;
  }
  return out;
}

}  // namespace iothub::e2e
