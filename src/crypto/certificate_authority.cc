#include "crypto/certificate_authority.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "crypto/certificate_encoding.h"
#include "crypto/device_csr.h"
#include "crypto/fingerprint.h"
#include "crypto/openssl_error.h"
#include "crypto/subject_alt_names.h"
#include "crypto/x509_util.h"

namespace iothub::crypto {
namespace {

constexpr std::string_view kDeviceCommonNamePrefix = "device-";
constexpr std::size_t kMaxCommonNameLength = 64;  // ub-common-name, RFC 5280
constexpr std::size_t kMaxCaFileSize = 1 << 20;
constexpr UnixMillis kMillisPerDay = 86'400'000;

absl::Status CheckDays(int days) {
  if (days < CertificateAuthority::kMinDays || days > CertificateAuthority::kMaxDays) {
    return absl::InvalidArgumentError(absl::StrCat("days must be ", CertificateAuthority::kMinDays,
                                                   "-", CertificateAuthority::kMaxDays, ", got ",
                                                   days));
  }
  return absl::OkStatus();
}

// Names we put in certificates are plain: printable ASCII, 1-64 characters.
absl::Status CheckCommonName(std::string_view common_name) {
  if (common_name.empty() || common_name.size() > kMaxCommonNameLength) {
    return absl::InvalidArgumentError("common name must be 1-64 characters");
  }
  for (char c : common_name) {
    if (c < 0x20 || c > 0x7E) {
      return absl::InvalidArgumentError("common name must be printable ASCII");
    }
  }
  return absl::OkStatus();
}

// Adds an extension written in OpenSSL's config syntax. Only ever called with constant
// values, so no caller-supplied text reaches the config parser (SANs are built directly).
absl::Status AddExtension(X509* certificate, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  if (extension == nullptr || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, absl::StrCat("extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

// An unsigned v3 certificate for `subject_key` with a random serial, the given subject
// and validity; issuer and extensions are left to the caller.
absl::StatusOr<X509Ptr> NewCertificate(EVP_PKEY* subject_key, std::string_view common_name,
                                       UnixMillis not_before, UnixMillis not_after) {
  absl::StatusOr<X509NamePtr> subject = CommonNameOnly(common_name);
  if (!subject.ok()) return subject.status();
  absl::StatusOr<Asn1IntegerPtr> serial = RandomSerial();
  if (!serial.ok()) return serial.status();
  ClearOpenSslErrors();
  X509Ptr certificate(X509_new());
  if (certificate == nullptr || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(certificate.get(), serial->get()) != 1 ||
      X509_set_subject_name(certificate.get(), subject->get()) != 1 ||
      X509_set_pubkey(certificate.get(), subject_key) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot build certificate");
  }
  if (absl::Status s = SetAsn1Time(X509_getm_notBefore(certificate.get()), not_before); !s.ok()) {
    return s;
  }
  if (absl::Status s = SetAsn1Time(X509_getm_notAfter(certificate.get()), not_after); !s.ok()) {
    return s;
  }
  return certificate;
}

absl::StatusOr<IssuedCertificate> Describe(X509* certificate) {
  IssuedCertificate out;
  absl::StatusOr<std::string> der = CertificateToDer(certificate);
  if (!der.ok()) return der.status();
  out.der = *std::move(der);
  out.pem = CertificateDerToPem(out.der);
  out.fingerprint = Sha256Fingerprint(out.der);
  out.serial_hex = SerialToHex(X509_get0_serialNumber(certificate));
  absl::StatusOr<UnixMillis> from = Asn1TimeToUnixMillis(X509_get0_notBefore(certificate));
  absl::StatusOr<UnixMillis> to = Asn1TimeToUnixMillis(X509_get0_notAfter(certificate));
  if (!from.ok()) return from.status();
  if (!to.ok()) return to.status();
  out.valid_from = *from;
  out.valid_to = *to;
  absl::StatusOr<std::string> public_key = PublicKeyToPem(X509_get0_pubkey(certificate));
  if (!public_key.ok()) return public_key.status();
  out.public_key_pem = *std::move(public_key);
  return out;
}

// Creates `path` with `mode`, failing with AlreadyExists if it exists (O_EXCL, and
// O_NOFOLLOW so a planted symlink is not followed), and writes `content` durably.
absl::Status WriteNewFile(const std::filesystem::path& path, std::string_view content,
                          mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    const int error = errno;
    const std::string message = absl::StrCat(path.string(), ": ", std::strerror(error));
    return error == EEXIST ? absl::AlreadyExistsError(message) : absl::InternalError(message);
  }
  // The umask may have narrowed `mode`; set it exactly.
  bool ok = ::fchmod(fd, mode) == 0;
  while (ok && !content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    ok = written > 0;
    if (ok) content.remove_prefix(static_cast<std::size_t>(written));
  }
  ok = ok && ::fsync(fd) == 0;
  const int error = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) return absl::InternalError(absl::StrCat(path.string(), ": ", std::strerror(error)));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadCaFile(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return absl::NotFoundError(absl::StrCat(path.string(), ": ", error.message()));
  if (size > kMaxCaFileSize) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": file too large"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return absl::InternalError(absl::StrCat(path.string(), ": read failed"));
  return content.str();
}

// A PEM password callback that supplies none: an encrypted key fails to load instead of
// OpenSSL prompting on the terminal.
int NoPassword(char*, int, int, void*) { return 0; }

}  // namespace

CertificateAuthority::CertificateAuthority(EvpPkeyPtr key, X509Ptr certificate,
                                           std::string certificate_pem)
    : key_(std::move(key)),
      certificate_(std::move(certificate)),
      certificate_pem_(std::move(certificate_pem)) {
  // Fills the certificate's extension cache now, before the object is shared between
  // threads (OpenSSL would otherwise fill it lazily, under its own lock).
  X509_check_ca(certificate_.get());
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::Create(const std::filesystem::path& dir,
                                                                  KeyType type, UnixMillis now,
                                                                  std::string_view common_name) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError(absl::StrCat(dir.string(), ": ", error.message()));
  const std::filesystem::path key_path = dir / kKeyFile;
  const std::filesystem::path certificate_path = dir / kCertificateFile;
  for (const auto& path : {key_path, certificate_path}) {
    // The error_code overload: this module never throws.
    const std::filesystem::file_status status = std::filesystem::symlink_status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) continue;
    if (error) return absl::InternalError(absl::StrCat(path.string(), ": ", error.message()));
    return absl::AlreadyExistsError(
        absl::StrCat(path.string(), " already exists; refusing to overwrite a CA"));
  }

  absl::StatusOr<EvpPkeyPtr> key = GenerateKey(type);
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> certificate = NewCertificate(
      key->get(), common_name, now - kClockSkewMillis, now + kCaValidityDays * kMillisPerDay);
  if (!certificate.ok()) return certificate.status();
  X509* cert = certificate->get();
  ClearOpenSslErrors();
  if (X509_set_issuer_name(cert, X509_get_subject_name(cert)) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "issuer name");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (absl::Status s = AddExtension(cert, &ctx, nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert, key->get(), SignatureDigestFor(key->get())) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot sign CA certificate");
  }

  absl::StatusOr<std::string> key_pem = PrivateKeyToPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> der = CertificateToDer(cert);
  if (!der.ok()) return der.status();
  std::string certificate_pem = CertificateDerToPem(*der);

  if (absl::Status s = WriteNewFile(key_path, *key_pem, 0600); !s.ok()) return s;
  if (absl::Status s = WriteNewFile(certificate_path, certificate_pem, 0644); !s.ok()) {
    std::filesystem::remove(key_path, error);  // ours: created above with O_EXCL
    return s;
  }
  return CertificateAuthority(*std::move(key), *std::move(certificate), std::move(certificate_pem));
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::Load(const std::filesystem::path& dir) {
  const std::filesystem::path key_path = dir / kKeyFile;
  const std::filesystem::path certificate_path = dir / kCertificateFile;
  absl::StatusOr<std::string> key_pem = ReadCaFile(key_path);
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> certificate_text = ReadCaFile(certificate_path);
  if (!certificate_text.ok()) return certificate_text.status();

  ClearOpenSslErrors();
  BioPtr key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr)
                         : nullptr);
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat(key_path.string(), ": not an unencrypted PEM private key"));
  }
  BioPtr certificate_bio(
      BIO_new_mem_buf(certificate_text->data(), static_cast<int>(certificate_text->size())));
  X509Ptr certificate(certificate_bio
                          ? PEM_read_bio_X509(certificate_bio.get(), nullptr, NoPassword, nullptr)
                          : nullptr);
  if (certificate == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat(certificate_path.string(), ": not a PEM certificate"));
  }
  if (X509_check_ca(certificate.get()) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(certificate_path.string(), ": not a CA certificate"));
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    return OpenSslError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(key_path.string(), " does not match ", certificate_path.string()));
  }
  // Keep a normalised PEM (just the certificate) to hand out.
  absl::StatusOr<std::string> der = CertificateToDer(certificate.get());
  if (!der.ok()) return der.status();
  return CertificateAuthority(std::move(key), std::move(certificate), CertificateDerToPem(*der));
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::Issue(EVP_PKEY* subject_key,
                                                              std::string_view common_name,
                                                              const char* extended_key_usage,
                                                              GENERAL_NAMES* sans, int days,
                                                              UnixMillis now) const {
  if (absl::Status s = CheckDays(days); !s.ok()) return s;
  absl::StatusOr<X509Ptr> certificate =
      NewCertificate(subject_key, common_name, now - kClockSkewMillis, now + days * kMillisPerDay);
  if (!certificate.ok()) return certificate.status();
  X509* cert = certificate->get();
  ClearOpenSslErrors();
  if (X509_set_issuer_name(cert, X509_get_subject_name(certificate_.get())) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "issuer name");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, certificate_.get(), cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_key_usage, "critical,digitalSignature,keyEncipherment"},
        std::pair{NID_ext_key_usage, extended_key_usage},
        std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (absl::Status s = AddExtension(cert, &ctx, nid, value); !s.ok()) return s;
  }
  if (sans != nullptr &&
      X509_add1_ext_i2d(cert, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "subjectAltName");
  }
  if (X509_sign(cert, key_.get(), SignatureDigestFor(key_.get())) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot sign certificate");
  }
  return Describe(cert);
}

absl::StatusOr<IssuedKeyPair> CertificateAuthority::IssueWithNewKey(std::string_view common_name,
                                                                    const char* extended_key_usage,
                                                                    GENERAL_NAMES* sans, int days,
                                                                    UnixMillis now) const {
  if (absl::Status s = CheckCommonName(common_name); !s.ok()) return s;
  absl::StatusOr<EvpPkeyPtr> key = GenerateKey(KeyType::kEcP256);
  if (!key.ok()) return key.status();
  absl::StatusOr<IssuedCertificate> certificate =
      Issue(key->get(), common_name, extended_key_usage, sans, days, now);
  if (!certificate.ok()) return certificate.status();
  absl::StatusOr<std::string> key_pem = PrivateKeyToPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  return IssuedKeyPair{*std::move(certificate), *std::move(key_pem)};
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::SignDeviceCsr(std::string_view csr_pem,
                                                                      std::string_view device_id,
                                                                      int days,
                                                                      UnixMillis now) const {
  // The id becomes part of a name and a SAN: it must be a valid id before anything else.
  if (!IsValidId(device_id)) {
    return absl::InvalidArgumentError("device id must be 1-64 characters of [A-Za-z0-9_-]");
  }
  static_assert(kDeviceCommonNamePrefix.size() + kMaxDeviceIdLength == kMaxCommonNameLength);
  if (device_id.size() > kMaxDeviceIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("device id longer than ", kMaxDeviceIdLength,
                     " characters: CN device-{id} would exceed the 64-character X.509 limit"));
  }
  if (absl::Status s = CheckDays(days); !s.ok()) return s;
  absl::StatusOr<EvpPkeyPtr> device_key = VetDeviceCsr(csr_pem);
  if (!device_key.ok()) return device_key.status();
  absl::StatusOr<GeneralNamesPtr> sans = SingleDnsName(device_id);
  if (!sans.ok()) return sans.status();
  return Issue(device_key->get(), std::string(kDeviceCommonNamePrefix).append(device_id),
               "clientAuth", sans->get(), days, now);
}

absl::StatusOr<IssuedKeyPair> CertificateAuthority::IssueServerCertificate(
    std::vector<std::string> sans, std::string_view common_name, int days, UnixMillis now) const {
  absl::StatusOr<GeneralNamesPtr> names = ParseSubjectAltNames(sans);
  if (!names.ok()) return names.status();
  return IssueWithNewKey(common_name, "serverAuth,clientAuth", names->get(), days, now);
}

absl::StatusOr<IssuedKeyPair> CertificateAuthority::IssueClientCertificate(
    std::string_view common_name, int days, UnixMillis now) const {
  return IssueWithNewKey(common_name, "clientAuth", nullptr, days, now);
}

absl::StatusOr<ClientCertificateInfo> CertificateAuthority::VerifyClientCertificate(
    std::string_view der, UnixMillis now) const {
  if (der.empty()) return absl::InvalidArgumentError("not a certificate: empty");
  ClearOpenSslErrors();
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = begin;
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (certificate == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not a certificate: DER does not parse");
  }
  if (cursor != begin + der.size()) {
    return absl::InvalidArgumentError("not a certificate: bytes after the certificate");
  }
  X509* cert = certificate.get();

  // Issuer name (and AKI, when present) must name our CA, and our key must have signed it.
  if (X509_check_issued(certificate_.get(), cert) != X509_V_OK) {
    return absl::UnauthenticatedError("certificate not issued by this CA");
  }
  if (X509_verify(cert, X509_get0_pubkey(certificate_.get())) != 1) {
    ClearOpenSslErrors();
    return absl::UnauthenticatedError("certificate signature does not verify with this CA");
  }
  if (X509_check_ca(cert) != 0) {
    return absl::PermissionDeniedError("a CA certificate is not a client certificate");
  }
  if (X509_check_purpose(cert, X509_PURPOSE_SSL_CLIENT, 0) != 1) {
    ClearOpenSslErrors();
    return absl::PermissionDeniedError("certificate is not for TLS client authentication");
  }

  ClientCertificateInfo info;
  absl::StatusOr<UnixMillis> from = Asn1TimeToUnixMillis(X509_get0_notBefore(cert));
  absl::StatusOr<UnixMillis> to = Asn1TimeToUnixMillis(X509_get0_notAfter(cert));
  if (!from.ok()) return from.status();
  if (!to.ok()) return to.status();
  if (now < *from) {
    return absl::FailedPreconditionError(
        absl::StrCat("certificate not yet valid: valid from ", *from, " ms, now ", now));
  }
  // notAfter is inclusive (RFC 5280 4.1.2.5); it has whole seconds, so allow its last ms.
  if (now > *to + 999) {
    return absl::FailedPreconditionError(
        absl::StrCat("certificate expired: valid to ", *to, " ms, now ", now));
  }
  info.valid_from = *from;
  info.valid_to = *to;
  info.fingerprint = Sha256Fingerprint(der);
  info.common_name = CommonNameOf(X509_get_subject_name(cert));
  info.serial_hex = SerialToHex(X509_get0_serialNumber(cert));
  return info;
}

absl::StatusOr<std::string> CertificateAuthority::MakeCrl(const std::vector<RevokedSerial>& revoked,
                                                          UnixMillis now,
                                                          int next_update_days) const {
  if (absl::Status s = CheckDays(next_update_days); !s.ok()) return s;
  if (now < 0) return absl::InvalidArgumentError("now is before 1970");
  absl::StatusOr<Asn1TimePtr> this_update = MakeAsn1Time(now);
  if (!this_update.ok()) return this_update.status();
  absl::StatusOr<Asn1TimePtr> next_update = MakeAsn1Time(now + next_update_days * kMillisPerDay);
  if (!next_update.ok()) return next_update.status();

  ClearOpenSslErrors();
  X509CrlPtr crl(X509_CRL_new());
  if (crl == nullptr || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(certificate_.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), this_update->get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update->get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot build CRL");
  }
  for (const RevokedSerial& entry : revoked) {
    absl::StatusOr<Asn1IntegerPtr> serial = SerialFromHex(entry.serial_hex);
    if (!serial.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("revoked serial '", entry.serial_hex, "': ", serial.status().message()));
    }
    absl::StatusOr<Asn1TimePtr> date = MakeAsn1Time(entry.revoked_at);
    if (!date.ok()) return date.status();
    X509RevokedPtr item(X509_REVOKED_new());
    if (item == nullptr || X509_REVOKED_set_serialNumber(item.get(), serial->get()) != 1 ||
        X509_REVOKED_set_revocationDate(item.get(), date->get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), item.get()) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "cannot add revoked entry");
    }
    item.release();  // now owned by the CRL
  }

  Asn1IntegerPtr number(ASN1_INTEGER_new());
  if (number == nullptr || ASN1_INTEGER_set_int64(number.get(), now) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "CRL number");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, certificate_.get(), nullptr, nullptr, crl.get(), 0);
  X509ExtensionPtr authority_key_id(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (authority_key_id == nullptr || X509_CRL_add_ext(crl.get(), authority_key_id.get(), -1) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "CRL authorityKeyIdentifier");
  }
  if (X509_CRL_sort(crl.get()) != 1 ||
      X509_CRL_sign(crl.get(), key_.get(), SignatureDigestFor(key_.get())) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot sign CRL");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot encode CRL");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace iothub::crypto
