#include "crypto/device_csr.h"

#include <openssl/pem.h>

#include "absl/strings/str_cat.h"
#include "crypto/keys.h"
#include "crypto/openssl_error.h"

namespace iothub::crypto {
namespace {

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Requested extensions we understand. Others may be requested only as non-critical: we
// never copy requested extensions, but a critical one we do not know is a request we
// cannot honour, so it is refused rather than silently dropped.
bool IsKnownExtension(int nid) {
  return nid == NID_basic_constraints || nid == NID_key_usage || nid == NID_ext_key_usage ||
         nid == NID_subject_alt_name || nid == NID_subject_key_identifier;
}

absl::Status CheckRequestedExtensions(X509_REQ* csr) {
  ClearOpenSslErrors();
  // Returns an empty stack when there are none, nullptr when the attribute is malformed.
  X509ExtensionStackPtr extensions(X509_REQ_get_extensions(csr));
  if (extensions == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "CSR has a malformed extension request");
  }
  for (int i = 0; i < sk_X509_EXTENSION_num(extensions.get()); ++i) {
    X509_EXTENSION* extension = sk_X509_EXTENSION_value(extensions.get(), i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
    if (nid == NID_basic_constraints) {
      BasicConstraintsPtr constraints(static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(extension)));
      if (constraints == nullptr) {
        return OpenSslError(absl::StatusCode::kInvalidArgument,
                            "CSR requests malformed basicConstraints");
      }
      if (constraints->ca) {
        return absl::InvalidArgumentError("CSR requests a CA certificate (CA:TRUE)");
      }
    }
    if (X509_EXTENSION_get_critical(extension) && !IsKnownExtension(nid)) {
      char oid[80];
      OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(extension), 1);
      return absl::InvalidArgumentError(
          absl::StrCat("CSR requests an unsupported critical extension ", oid));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EvpPkeyPtr> VetDeviceCsr(std::string_view csr_pem) {
  if (IsBlank(csr_pem)) {
    return absl::InvalidArgumentError("CSR is empty");
  }
  if (csr_pem.size() > kMaxCsrPemSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("CSR is ", csr_pem.size(), " bytes; the limit is ", kMaxCsrPemSize));
  }
  ClearOpenSslErrors();
  BioPtr bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new_mem_buf");
  X509ReqPtr csr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (csr == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not a PEM certificate signing request");
  }
  // Anything after the block but whitespace (a second CSR, a key) is a client mistake.
  char rest[256];
  int read;
  while ((read = BIO_read(bio.get(), rest, sizeof(rest))) > 0) {
    if (!IsBlank(std::string_view(rest, read))) {
      return absl::InvalidArgumentError("CSR PEM has data after the request");
    }
  }

  EVP_PKEY* key = X509_REQ_get0_pubkey(csr.get());
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "CSR public key is unreadable");
  }
  // The key policy comes before the signature check: it is cheap, and it bounds the cost
  // of verifying (no huge RSA keys).
  if (absl::Status status = CheckDeviceKey(key); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("CSR key refused: ", status.message()));
  }
  // Proof of possession: the request is signed by the key it asks us to certify.
  if (X509_REQ_verify(csr.get(), key) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "CSR signature does not verify with its public key");
  }
  if (absl::Status status = CheckRequestedExtensions(csr.get()); !status.ok()) return status;

  EVP_PKEY_up_ref(key);
  return EvpPkeyPtr(key);
}

}  // namespace iothub::crypto
