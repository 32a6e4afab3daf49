#include "test_certs.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace iothub::mosquitto_plugin::testing {
namespace {

std::shared_ptr<EVP_PKEY> NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string CertPem(X509* cert) {
  return ToPem([](BIO* bio, void* x) { return PEM_write_bio_X509(bio, static_cast<X509*>(x)); },
               cert);
}

std::string KeyPem(EVP_PKEY* key) {
  return ToPem(
      [](BIO* bio, void* k) {
        return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      key);
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509Ptr NewCert(EVP_PKEY* key, const std::vector<NameEntry>& subject) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const NameEntry& entry : subject) {
    if (!X509_NAME_add_entry_by_txt(name, entry.field.c_str(), MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(entry.value.c_str()), -1,
                                    -1, entry.join_previous ? -1 : 0)) {
      throw std::runtime_error("bad name entry " + entry.field);
    }
  }
  return cert;
}

}  // namespace

Issued MakeCa(const std::string& cn) {
  Issued ca;
  ca.key = NewKey();
  ca.cert = NewCert(ca.key.get(), {{"CN", cn}});
  X509_set_issuer_name(ca.cert.get(), X509_get_subject_name(ca.cert.get()));
  AddExt(ca.cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExt(ca.cert.get(), ca.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(ca.cert.get(), ca.cert.get(), NID_subject_key_identifier, "hash");
  X509_sign(ca.cert.get(), ca.key.get(), EVP_sha256());
  ca.cert_pem = CertPem(ca.cert.get());
  ca.key_pem = KeyPem(ca.key.get());
  return ca;
}

Issued Issue(const Issued& ca, const std::vector<NameEntry>& subject, bool server) {
  Issued out;
  out.key = NewKey();
  out.cert = NewCert(out.key.get(), subject);
  X509_set_issuer_name(out.cert.get(), X509_get_subject_name(ca.cert.get()));
  AddExt(out.cert.get(), ca.cert.get(), NID_basic_constraints, "CA:FALSE");
  AddExt(out.cert.get(), ca.cert.get(), NID_authority_key_identifier, "keyid");
  if (server) {
    AddExt(out.cert.get(), ca.cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    AddExt(out.cert.get(), ca.cert.get(), NID_ext_key_usage, "serverAuth");
  } else {
    AddExt(out.cert.get(), ca.cert.get(), NID_ext_key_usage, "clientAuth");
  }
  X509_sign(out.cert.get(), ca.key.get(), EVP_sha256());
  out.cert_pem = CertPem(out.cert.get());
  out.key_pem = KeyPem(out.key.get());
  return out;
}

}  // namespace iothub::mosquitto_plugin::testing
