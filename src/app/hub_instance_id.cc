#include "app/hub_instance_id.h"

#include <cctype>
#include <fstream>

#include "registry/data_layout.h"
#include "registry/uuid.h"

namespace iothub::app {
namespace {

// A UUID as NewUuidV4 writes it: 36 characters of hex digits and dashes (no ',' or
// '\n', which the shared session records use as separators).
bool IsHubId(const std::string& text) {
  if (text.size() != 36) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> LoadOrCreateHubId(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = registry::HubIdPath(data_dir);
  if (std::ifstream in(path); in) {
    std::string id;
    std::getline(in, id);
    if (!IsHubId(id)) return absl::InvalidArgumentError(path.string() + " is not a hub id");
    return id;
  }
  auto id = registry::NewUuidV4();
  if (!id.ok()) return id.status();
  std::ofstream out(path, std::ios::trunc);
  out << *id << "\n";
  if (!out.flush()) return absl::InternalError("cannot write " + path.string());
  return *id;
}

}  // namespace iothub::app
