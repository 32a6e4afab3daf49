// TempDir: a fresh directory under $TMPDIR for one test, removed with everything in it
// when the object dies. Thread-safe to create from parallel tests (mkdtemp).
#pragma once

#include <filesystem>
#include <string>

namespace iothub::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, replacing it; aborts the test on failure.
void WriteFile(const std::filesystem::path& path, std::string_view content);
// Reads a whole file; empty when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

}  // namespace iothub::testing
