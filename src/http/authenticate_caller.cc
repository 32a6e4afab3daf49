#include "http/authenticate_caller.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "common/printable.h"

namespace iothub::http {
namespace {

constexpr std::string_view kProxyUserHeader = "X-Auth-Request-User";
constexpr std::string_view kProxyEmailHeader = "X-Auth-Request-Email";
constexpr std::string_view kProxyUsernameHeader = "X-Auth-Request-Preferred-Username";
constexpr std::string_view kProxyTokenHeader = "X-Auth-Request-Access-Token";
constexpr std::size_t kMaxActorPart = 100;

std::array<unsigned char, 32> Sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

// `text` as the tail of an audit actor (1-128 printable ASCII): other bytes become '?'
// and it is cut to kMaxActorPart.
std::string ActorPart(std::string_view text) {
  std::string out(text.substr(0, kMaxActorPart));
  for (char& c : out) {
    if (c < 0x21 || c > 0x7e) c = '?';
  }
  return out;
}

bool IsTrustedProxy(const httplib::Request& request, const ApiContext& context) {
  const std::string_view address = NormalizeAddress(request.remote_addr);
  const auto& trusted = context.options.trusted_proxies;
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](const std::string& proxy) { return NormalizeAddress(proxy) == address; });
}

// The user for `found`: NotFound -> 403 with `unregistered`, other errors mapped.
Result<User> RegisteredUser(absl::StatusOr<User> found, std::string unregistered) {
  if (found.ok()) return *std::move(found);
  if (absl::IsNotFound(found.status()) || absl::IsInvalidArgument(found.status())) {
    return Forbidden(std::move(unregistered));
  }
  return ErrorFromStatus(found.status());
}

Result<Caller> FromJwt(std::string_view token, const ApiContext& context) {
  if (context.jwt_verifier == nullptr) {
    return Unauthenticated("invalid bearer token");
  }
  auth::JwtResult verified = context.jwt_verifier->Verify(token, context.clock.NowUnixMillis());
  if (!verified.ok()) {
    spdlog::debug("http: bearer token refused: {}", auth::ToString(verified.failure()));
    const auth::JwtFailure failure = verified.failure();
    if (failure == auth::JwtFailure::kExpired) return Unauthenticated("bearer token expired");
    if (failure == auth::JwtFailure::kNotYetValid) {
      return Unauthenticated("bearer token not yet valid");
    }
    return Unauthenticated("invalid bearer token");
  }
  const auth::JwtClaims& claims = verified.claims();
  Caller caller;
  caller.subject = claims.subject;
  if (claims.is_service) {
    caller.kind = CallerKind::kService;
    caller.admin = true;
    caller.actor = "service:" + ActorPart(claims.subject);
    return caller;
  }
  Result<User> user = RegisteredUser(
      context.registry.users().GetUserBySubject(claims.subject),
      "the token's subject is not a registered hub user; an admin must create the user "
      "with this userId first");
  if (!user.ok()) return user.error();
  caller.kind = CallerKind::kUser;
  caller.admin = claims.role == Role::kAdmin || user->role == Role::kAdmin;
  caller.actor = "user:" + user->id;
  caller.user = std::move(*user);
  return caller;
}

// The proxy's user is the hub user whose subject is X-Auth-Request-User. An e-mail says
// nothing about which account signed in (identity providers let users set it), so
// X-Auth-Request-Email is used only when the operator opted in to that trust.
Result<Caller> FromProxy(const httplib::Request& request, const ApiContext& context) {
  const std::string user_header = request.get_header_value(std::string(kProxyUserHeader));
  const bool email_fallback = context.options.trusted_proxy_email_fallback;
  const std::string email =
      email_fallback ? request.get_header_value(std::string(kProxyEmailHeader)) : std::string();
  if (user_header.empty() && email.empty()) {
    return Unauthenticated(email_fallback ? "the proxy sent neither X-Auth-Request-User nor "
                                            "X-Auth-Request-Email"
                                          : "the proxy sent no X-Auth-Request-User");
  }
  absl::StatusOr<User> found = absl::NotFoundError("no proxy user");
  if (!user_header.empty()) found = context.registry.users().GetUserBySubject(user_header);
  if (!found.ok() && absl::IsNotFound(found.status()) && !email.empty()) {
    found = context.registry.users().GetUserByEmail(email);
  }
  Result<User> user =
      RegisteredUser(std::move(found), "the proxy's user is not a registered hub user");
  if (!user.ok()) return user.error();
  Caller caller;
  caller.kind = CallerKind::kProxy;
  caller.subject = user_header.empty() ? email : user_header;
  caller.admin = user->role == Role::kAdmin;
  caller.actor = "proxy:" + ActorPart(caller.subject);
  caller.user = std::move(*user);
  return caller;
}

bool HasProxyHeaders(const httplib::Request& request) {
  for (std::string_view name :
       {kProxyUserHeader, kProxyEmailHeader, kProxyUsernameHeader, kProxyTokenHeader}) {
    if (request.has_header(std::string(name))) return true;
  }
  return false;
}

}  // namespace

std::string_view ToString(CallerKind kind) {
  switch (kind) {
    case CallerKind::kAdminToken:
      return "admin-token";
    case CallerKind::kService:
      return "service";
    case CallerKind::kUser:
      return "jwt";
    case CallerKind::kProxy:
      return "proxy";
  }
  return "unknown";
}

const std::string& Caller::user_id() const {
  static const std::string kNone;
  return user ? user->id : kNone;
}

bool SecretEquals(std::string_view a, std::string_view b) {
  const auto da = Sha256(a);
  const auto db = Sha256(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::string_view NormalizeAddress(std::string_view remote_addr) {
  constexpr std::string_view kMapped = "::ffff:";
  if (remote_addr.size() > kMapped.size() && remote_addr.starts_with(kMapped) &&
      remote_addr.find('.') != std::string_view::npos) {
    remote_addr.remove_prefix(kMapped.size());
  }
  return remote_addr;
}

Result<Caller> AuthenticateCaller(const httplib::Request& request, const ApiContext& context) {
  if (request.has_header("Authorization")) {
    const std::string header = request.get_header_value("Authorization");
    constexpr std::string_view kScheme = "bearer ";
    std::string scheme = header.substr(0, kScheme.size());
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme != kScheme || header.size() == kScheme.size()) {
      return Unauthenticated("the Authorization header must be 'Bearer <token>'");
    }
    const std::string_view token = std::string_view(header).substr(kScheme.size());
    if (!context.options.admin_token.empty() && SecretEquals(token, context.options.admin_token)) {
      Caller caller;
      caller.kind = CallerKind::kAdminToken;
      caller.admin = true;
      caller.actor = "admin-token";
      return caller;
    }
    return FromJwt(token, context);
  }
  if (HasProxyHeaders(request)) {
    if (!IsTrustedProxy(request, context)) {
      // Debug only: anyone can send these headers at will; the 401 is counted and logged
      // (throttled) by the access log.
      spdlog::debug("http: X-Auth-Request-* headers from untrusted address {} refused",
                    Printable(request.remote_addr, 64));
      return Unauthenticated(
          "X-Auth-Request-* headers are accepted only from a trusted proxy address");
    }
    return FromProxy(request, context);
  }
  return Unauthenticated("missing credentials: send 'Authorization: Bearer <token>'");
}

}  // namespace iothub::http
