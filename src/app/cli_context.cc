#include "app/cli_context.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/open_store.h"
#include "app/wiring.h"
#include "registry/data_layout.h"
#include "registry/input_checks.h"

namespace iothub::app {

CliContext::CliContext(const Config& config, std::unique_ptr<store::Store> store,
                       std::unique_ptr<registry::CaKeyring> cas)
    : config_(config), store_(std::move(store)), cas_(std::move(cas)) {
  registry_ = cas_ ? std::make_unique<registry::Registry>(*store_, *cas_, clock_, config_.plans)
                   : std::make_unique<registry::Registry>(*store_, clock_, config_.plans);
}

absl::StatusOr<std::unique_ptr<CliContext>> CliContext::Open(const Config& config, CaUse use) {
  const std::filesystem::path data_dir = config.server.data_dir;
  std::unique_ptr<registry::CaKeyring> cas;
  if (use == CaUse::kSigns) {
    // A shared (PostgreSQL) store never gets a CA of its own from one host: every hub
    // and CLI must sign with the one made by `iot-hub ca init` (docs/deploy.md).
    const std::filesystem::path ca_dir = registry::CaDirectory(data_dir);
    std::error_code error;
    const bool absent =
        !std::filesystem::exists(ca_dir / crypto::CertificateAuthority::kKeyFile, error) &&
        !std::filesystem::exists(ca_dir / crypto::CertificateAuthority::kCertificateFile, error);
    absl::StatusOr<std::unique_ptr<registry::CaKeyring>> loaded =
        registry::CaKeyring::Open(data_dir, CaKeyType(config.ca), SystemClock().NowUnixMillis(),
                                  /*create_if_missing=*/!StoreIsShared(config));
    if (!loaded.ok()) return loaded.status();
    if (absent && (*loaded)->set()->entries().size() == 1 &&
        (*loaded)->set()->entries()[0].generation == 0) {
      std::cerr << "iot-hub: created a new CA in " << ca_dir.string() << "\n";
    }
    cas = *std::move(loaded);
  }
  absl::StatusOr<std::unique_ptr<store::Store>> store = OpenStore(config);
  if (!store.ok()) return store.status();
  return std::unique_ptr<CliContext>(new CliContext(config, *std::move(store), std::move(cas)));
}

std::string CliActor() {
  const uid_t uid = geteuid();
  std::string name;
  if (const passwd* entry = getpwuid(uid); entry != nullptr && entry->pw_name != nullptr) {
    name = entry->pw_name;
  }
  if (name.empty() || !registry::CheckActor("cli:" + name).ok()) {
    name = "uid-" + std::to_string(uid);
  }
  return "cli:" + name;
}

int Fail(std::string_view message) {
  // One line, whatever the message holds.
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "iot-hub: " << line << "\n";
  return kExitFailure;
}

int Fail(const absl::Status& status) {
  return Fail(std::string_view(status.message().data(), status.message().size()));
}

void PrintJson(const nlohmann::ordered_json& value) { std::cout << value.dump(2) << "\n"; }

void PrintFields(const nlohmann::ordered_json& object) {
  for (const auto& [key, value] : object.items()) {
    std::cout << key << ": ";
    if (value.is_null()) {
      std::cout << "-";
    } else if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      if (text.find('\n') != std::string::npos) {
        std::cout << "(" << text.size() << " bytes)";
      } else {
        std::cout << text;
      }
    } else {
      std::cout << value.dump();
    }
    std::cout << "\n";
  }
}

absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& path,
                                          std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path.string() + ": " + std::strerror(errno));
  std::string content;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      return absl::InvalidArgumentError(path.string() + " is larger than " +
                                        std::to_string(max_bytes) + " bytes");
    }
  }
  return content;
}

absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 unsigned mode) {
  const std::filesystem::path temporary = path.string() + ".tmp-" + std::to_string(getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  const auto failed = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return absl::InternalError("cannot " + std::string(what) + " " + path.string() + ": " + reason);
  };
  if (fd < 0) {
    return absl::InternalError("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return failed("write");
    }
    written += static_cast<std::size_t>(n);
  }
  // The umask may have narrowed `mode`; never widened, so set it exactly.
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    return failed("write");
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) return failed("replace");
  return absl::OkStatus();
}

}  // namespace iothub::app
