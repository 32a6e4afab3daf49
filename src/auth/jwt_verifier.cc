#include "auth/jwt_verifier.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/json_parse.h"
#include "crypto/base64.h"

namespace iothub::auth {
namespace {

using nlohmann::json;

JwtError Fail(JwtFailure failure, std::string detail) { return {failure, std::move(detail)}; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Reads a NumericDate claim (seconds; fractions dropped). Absent -> nullopt and true;
// present but not a number -> false.
bool ReadTime(const json& payload, const char* name, std::optional<std::int64_t>* out) {
  const auto it = payload.find(name);
  if (it == payload.end()) return true;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    *out = v > static_cast<std::uint64_t>(kMax) ? kMax : static_cast<std::int64_t>(v);
  } else if (it->is_number_integer()) {
    *out = it->get<std::int64_t>();
  } else if (it->is_number_float()) {
    const double v = it->get<double>();
    if (std::isnan(v)) return false;
    *out = v >= 9.2e18 ? kMax : v <= -9.2e18 ? kMin : static_cast<std::int64_t>(std::floor(v));
  } else {
    return false;
  }
  return true;
}

// Seconds to milliseconds plus an offset, without overflow.
__int128 Millis(std::int64_t seconds, std::int64_t offset_s) {
  return (static_cast<__int128>(seconds) + offset_s) * 1000;
}

const std::string* StringOrNull(const json& payload, const char* name) {
  const auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// Decode buffers reused across calls on a thread, so steady-state decoding does not
// allocate.
struct Scratch {
  std::string header, payload, signature;
};

}  // namespace

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(
    JwtConfig config, std::shared_ptr<const JwtKeyProvider> provider) {
  auto secrets = KeySet::FromHmacSecrets(config.hs_secrets, config.hs_alg);
  if (!secrets.ok()) return secrets.status();
  if (config.leeway_s < 0) return absl::InvalidArgumentError("negative JWT leeway");
  if (config.max_lifetime_s < 0) return absl::InvalidArgumentError("negative JWT max lifetime");
  return std::unique_ptr<JwtVerifier>(
      new JwtVerifier(std::move(config), *std::move(secrets), std::move(provider)));
}

JwtVerifier::JwtVerifier(JwtConfig config, KeySet secrets,
                         std::shared_ptr<const JwtKeyProvider> provider)
    : config_(std::move(config)), secrets_(std::move(secrets)), provider_(std::move(provider)) {}

JwtResult JwtVerifier::Verify(std::string_view token, UnixMillis now) const {
  // --- Shape: three base64url parts, bounded size.
  if (token.size() > kMaxTokenSize) return Fail(JwtFailure::kMalformed, "token too large");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Fail(JwtFailure::kMalformed, "not three dot-separated parts");
  }
  const std::string_view signing_input = token.substr(0, dot2);
  thread_local Scratch scratch;
  if (!crypto::Base64UrlDecode(token.substr(0, dot1), &scratch.header)) {
    return Fail(JwtFailure::kBadBase64, "header");
  }
  if (!crypto::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1), &scratch.payload)) {
    return Fail(JwtFailure::kBadBase64, "payload");
  }
  if (!crypto::Base64UrlDecode(token.substr(dot2 + 1), &scratch.signature)) {
    return Fail(JwtFailure::kBadBase64, "signature");
  }

  // --- Header: alg and kid.
  const json header = ParseJson(scratch.header).value_or(json());
  if (!header.is_object()) return Fail(JwtFailure::kBadJson, "header is not a JSON object");
  const std::string* alg_name = StringOrNull(header, "alg");
  if (alg_name == nullptr) return Fail(JwtFailure::kMalformed, "no string alg");
  if (EqualsIgnoreCase(*alg_name, "none")) return Fail(JwtFailure::kAlgNone, "alg none");
  const std::optional<JwtAlgorithm> alg = ParseJwtAlgorithm(*alg_name);
  if (!alg) return Fail(JwtFailure::kUnsupportedAlg, *alg_name);
  if (header.contains("crit")) return Fail(JwtFailure::kUnsupportedAlg, "crit header");
  const std::string* kid = StringOrNull(header, "kid");
  if (kid == nullptr && header.contains("kid")) return Fail(JwtFailure::kMalformed, "kid");

  // --- Key choice and signature. Each key verifies only the algorithm it is pinned to
  // (JwtKey::Allows); a key of the right type pinned to another alg is kAlgNotAllowed.
  static const auto* const kNoKeys = new std::shared_ptr<const KeySet>(new KeySet());
  const std::shared_ptr<const KeySet> keys = provider_ != nullptr ? provider_->Current() : *kNoKeys;
  const KeyType type = KeyTypeOf(*alg);
  struct Tried {
    bool of_type = false;  // some key of alg's key type was looked at
    bool allowed = false;  // some key may verify alg
    bool verified = false;
  };
  const auto try_keys = [&](const KeySet& set, bool by_kid) {
    Tried tried;
    for (const auto& key : set.keys()) {
      if (by_kid && key->kid() != *kid) continue;
      if (key->type() != type) continue;
      tried.of_type = true;
      if (!key->Allows(*alg)) continue;
      tried.allowed = true;
      if (key->Verify(*alg, signing_input, scratch.signature)) {
        tried.verified = true;
        break;
      }
    }
    return tried;
  };
  const auto not_allowed = [&](std::string_view which) {
    return Fail(JwtFailure::kAlgNotAllowed,
                std::string(which) + " not configured for " + *alg_name);
  };
  Tried tried;
  if (kid != nullptr && keys->HasKid(*kid)) {
    tried = try_keys(*keys, /*by_kid=*/true);
    if (!tried.allowed) {
      if (tried.of_type) return not_allowed("key '" + *kid + "'");
      return Fail(JwtFailure::kAlgKeyMismatch, "key '" + *kid + "' cannot verify " + *alg_name);
    }
  } else if (type == KeyType::kHmac) {
    tried = try_keys(secrets_, /*by_kid=*/false);
    if (!tried.allowed) {
      if (tried.of_type) return not_allowed("HMAC secrets");
      return keys->empty() ? Fail(JwtFailure::kUnknownKey, "no keys")
                           : Fail(JwtFailure::kAlgKeyMismatch, "no HMAC secret for " + *alg_name);
    }
  } else if (kid != nullptr) {
    if (provider_ != nullptr) provider_->OnUnknownKid(*kid);
    return Fail(JwtFailure::kUnknownKey, "kid '" + *kid + "'");
  } else {
    tried = try_keys(*keys, /*by_kid=*/false);
    if (!tried.allowed) {
      if (tried.of_type) return not_allowed("keys");
      return keys->empty() && secrets_.empty()
                 ? Fail(JwtFailure::kUnknownKey, "no keys")
                 : Fail(JwtFailure::kAlgKeyMismatch, "no key can verify " + *alg_name);
    }
  }
  if (!tried.verified) return Fail(JwtFailure::kBadSignature, *alg_name);

  // --- Payload claims (parsed only once the signature holds).
  JwtClaims claims;
  claims.raw = ParseJson(scratch.payload).value_or(json());
  const json& payload = claims.raw;
  if (!payload.is_object()) return Fail(JwtFailure::kBadJson, "payload is not a JSON object");
  if (!ReadTime(payload, "exp", &claims.exp) || !ReadTime(payload, "nbf", &claims.nbf) ||
      !ReadTime(payload, "iat", &claims.iat)) {
    return Fail(JwtFailure::kBadJson, "exp, nbf or iat is not a number");
  }
  const std::int64_t leeway = config_.leeway_s;
  if (claims.exp && now >= Millis(*claims.exp, leeway)) {
    return Fail(JwtFailure::kExpired, "exp " + std::to_string(*claims.exp));
  }
  if (claims.nbf && now < Millis(*claims.nbf, -leeway)) {
    return Fail(JwtFailure::kNotYetValid, "nbf " + std::to_string(*claims.nbf));
  }
  if (claims.iat && Millis(*claims.iat, -leeway) > now) {
    return Fail(JwtFailure::kIssuedInFuture, "iat " + std::to_string(*claims.iat));
  }
  // Lifetime policy: without exp a token never expires; with max_lifetime_s its
  // lifetime must be provable, so iat is needed too (no leeway: both come from the issuer).
  if (!claims.exp && (config_.require_exp || config_.max_lifetime_s > 0)) {
    return Fail(JwtFailure::kMissingExp, "no exp");
  }
  if (config_.max_lifetime_s > 0) {
    if (!claims.iat) return Fail(JwtFailure::kMissingIat, "no iat");
    if (static_cast<__int128>(*claims.exp) - *claims.iat > config_.max_lifetime_s) {
      return Fail(JwtFailure::kLifetimeTooLong,
                  "exp - iat over " + std::to_string(config_.max_lifetime_s) + " s");
    }
  }

  if (const std::string* iss = StringOrNull(payload, "iss")) claims.issuer = *iss;
  if (!config_.issuer.empty() && claims.issuer != config_.issuer) {
    return Fail(JwtFailure::kBadIssuer, "iss '" + claims.issuer + "'");
  }
  if (const auto aud = payload.find("aud"); aud != payload.end()) {
    if (aud->is_string()) {
      claims.audiences.push_back(aud->get<std::string>());
    } else if (aud->is_array()) {
      for (const auto& entry : *aud) {
        if (entry.is_string()) claims.audiences.push_back(entry.get<std::string>());
      }
    }
  }
  if (!config_.audience.empty()) {
    bool found = false;
    for (const auto& audience : claims.audiences) found = found || audience == config_.audience;
    if (!found) return Fail(JwtFailure::kBadAudience, "audience not in aud");
  }
  const std::string* sub = StringOrNull(payload, "sub");
  if (sub == nullptr || sub->empty()) return Fail(JwtFailure::kMissingSubject, "no sub");
  claims.subject = *sub;

  if (const std::string* v = StringOrNull(payload, "email")) claims.email = *v;
  if (const std::string* v = StringOrNull(payload, "name")) claims.name = *v;
  if (const std::string* v = StringOrNull(payload, "preferred_username")) {
    claims.preferred_username = *v;
  }
  ApplyRoles(config_.client_id, &claims);
  return claims;
}

}  // namespace iothub::auth
