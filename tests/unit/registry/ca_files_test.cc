#include "registry/ca_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "registry/ca_keyring.h"
#include "registry/data_layout.h"
#include "support/temp_dir.h"

namespace iothub::registry {
namespace {

using iothub::testing::TempDir;

constexpr UnixMillis kNow = 1'700'000'000'000;

// Without a CA: refused unless create_if_missing, which creates a 0600 key once.
TEST(CaFilesTest, LoadOrCreate) {
  TempDir dir;
  auto missing = CaKeyring::Open(dir.path(), crypto::KeyType::kEcP256, kNow, false);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("iot-hub ca init"), absl::string_view::npos);

  auto created = CaKeyring::Open(dir.path(), crypto::KeyType::kEcP256, kNow, true);
  ASSERT_TRUE(created.ok()) << created.status();
  struct stat info {};
  ASSERT_EQ(::stat((CaDirectory(dir.path()) / "ca.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);

  auto loaded = CaKeyring::Open(dir.path(), crypto::KeyType::kRsa3072, kNow, true);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->set()->TrustedBundle(), (*created)->set()->TrustedBundle());
  EXPECT_EQ((*loaded)->set()->entries().size(), 1u);
}

// ca init refuses to replace an existing CA; a half CA is never completed.
TEST(CaFilesTest, InitAndHalfCa) {
  TempDir dir;
  ASSERT_TRUE(InitCa(dir.path(), crypto::KeyType::kEcP384, kNow).ok());
  auto again = InitCa(dir.path(), crypto::KeyType::kEcP256, kNow);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  std::filesystem::remove(CaDirectory(dir.path()) / "ca.crt");
  auto half = CaKeyring::Open(dir.path(), crypto::KeyType::kEcP256, kNow, true);
  EXPECT_EQ(half.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(half.status().message().find("ca.crt is missing"), absl::string_view::npos);
}

// Key type names round-trip; unknown names are refused.
TEST(CaFilesTest, KeyTypeNames) {
  for (const char* name : {"ec-p256", "ec-p384", "rsa-3072"}) {
    auto type = ParseKeyType(name);
    ASSERT_TRUE(type.has_value());
    EXPECT_EQ(KeyTypeName(*type), name);
  }
  EXPECT_FALSE(ParseKeyType("rsa-2048").has_value());
  EXPECT_FALSE(ParseKeyType("").has_value());
}

}  // namespace
}  // namespace iothub::registry
