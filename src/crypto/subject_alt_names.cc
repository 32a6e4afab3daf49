#include "crypto/subject_alt_names.h"

#include <arpa/inet.h>

#include <string_view>

#include "absl/strings/str_cat.h"
#include "crypto/openssl_error.h"

namespace iothub::crypto {
namespace {

constexpr std::size_t kMaxHostNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool IsValidHostName(std::string_view name) {
  if (name.empty() || name.size() > kMaxHostNameLength) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsLabelChar(c)) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// A GENERAL_NAME of `type` (GEN_DNS or GEN_IPADD) holding `bytes`.
absl::StatusOr<GeneralNamePtr> MakeName(int type, std::string_view bytes) {
  ASN1_STRING* value = type == GEN_DNS ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
  if (value == nullptr ||
      ASN1_STRING_set(value, bytes.data(), static_cast<int>(bytes.size())) != 1) {
    ASN1_STRING_free(value);
    return OpenSslError(absl::StatusCode::kInternal, "subject alt name");
  }
  GeneralNamePtr name(GENERAL_NAME_new());
  if (name == nullptr) {
    ASN1_STRING_free(value);
    return OpenSslError(absl::StatusCode::kInternal, "subject alt name");
  }
  GENERAL_NAME_set0_value(name.get(), type, value);  // takes ownership of value
  return name;
}

absl::StatusOr<GeneralNamePtr> ParseOne(std::string_view san) {
  constexpr std::string_view kDns = "DNS:";
  constexpr std::string_view kIp = "IP:";
  if (san.substr(0, kDns.size()) == kDns) {
    const std::string_view host = san.substr(kDns.size());
    if (!IsValidHostName(host)) {
      return absl::InvalidArgumentError(
          absl::StrCat("SAN '", std::string(san), "': not a valid host name"));
    }
    return MakeName(GEN_DNS, host);
  }
  if (san.substr(0, kIp.size()) == kIp) {
    const std::string address(san.substr(kIp.size()));
    unsigned char bytes[16];
    if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
      return MakeName(GEN_IPADD, std::string_view(reinterpret_cast<char*>(bytes), 4));
    }
    if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
      return MakeName(GEN_IPADD, std::string_view(reinterpret_cast<char*>(bytes), 16));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("SAN '", std::string(san), "': not an IP address"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("SAN '", std::string(san), "': expected a 'DNS:' or 'IP:' prefix"));
}

}  // namespace

absl::StatusOr<GeneralNamesPtr> ParseSubjectAltNames(const std::vector<std::string>& sans) {
  if (sans.empty()) return absl::InvalidArgumentError("at least one SAN is required");
  ClearOpenSslErrors();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return OpenSslError(absl::StatusCode::kInternal, "GENERAL_NAMES");
  for (const std::string& san : sans) {
    absl::StatusOr<GeneralNamePtr> name = ParseOne(san);
    if (!name.ok()) return name.status();
    if (sk_GENERAL_NAME_push(names.get(), name->get()) <= 0) {
      return OpenSslError(absl::StatusCode::kInternal, "GENERAL_NAMES");
    }
    name->release();  // now owned by the stack
  }
  return names;
}

absl::StatusOr<GeneralNamesPtr> SingleDnsName(std::string_view name) {
  ClearOpenSslErrors();
  absl::StatusOr<GeneralNamePtr> entry = MakeName(GEN_DNS, name);
  if (!entry.ok()) return entry.status();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr || sk_GENERAL_NAME_push(names.get(), entry->get()) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "GENERAL_NAMES");
  }
  entry->release();  // now owned by the stack
  return names;
}

}  // namespace iothub::crypto
