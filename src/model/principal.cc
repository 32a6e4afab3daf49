#include "model/principal.h"

#include <array>
#include <utility>

namespace iothub {
namespace {

constexpr std::array<std::pair<PrincipalKind, std::string_view>, 4> kKindNames = {{
    {PrincipalKind::kDevice, "device"},
    {PrincipalKind::kUser, "user"},
    {PrincipalKind::kAdmin, "admin"},
    {PrincipalKind::kService, "service"},
}};

}  // namespace

std::string_view ToString(PrincipalKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<PrincipalKind> ParsePrincipalKind(std::string_view text) {
  for (const auto& [kind, name] : kKindNames) {
    if (name == text) return kind;
  }
  return std::nullopt;
}

}  // namespace iothub
