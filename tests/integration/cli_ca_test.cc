// `iot-hub ca ...` through the real binary: init, show, issuing server and client
// certificates, key file modes, and refusing to replace a CA.
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace iothub::testing {
namespace {

// ca init makes a 0600 key; ca show prints the certificate; a second init is refused.
TEST(CliCaTest, InitShowAndNoReplace) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  const CommandResult init = cli.Run({"ca", "init"});
  ASSERT_EQ(init.status, 0) << init.err;
  EXPECT_NE(init.out.find("created a new CA in"), std::string::npos) << init.out;
  const auto ca_dir = dir.path() / "data" / "ca";
  EXPECT_EQ(FileMode(ca_dir / "ca.key"), 0600u);

  const CommandResult show = cli.Run({"ca", "show"});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_EQ(show.out, ReadFile(ca_dir / "ca.crt"));
  EXPECT_EQ(cli.Json({"ca", "show"})["certificate"], show.out);

  const std::string key_before = ReadFile(ca_dir / "ca.key");
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "init"}), "a CA already exists"));
  EXPECT_EQ(ReadFile(ca_dir / "ca.key"), key_before);
}

// --key-type picks the CA key; an unknown type is a one-line usage error.
TEST(CliCaTest, KeyTypes) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  const CommandResult bad = cli.Run({"ca", "init", "--key-type", "rsa-1024"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(FailsWithOneLine(bad, "--key-type"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "ca" / "ca.key"));

  ASSERT_EQ(cli.Run({"ca", "init", "--key-type", "ec-p384"}).status, 0);
  const ShellResult text =
      Shell("openssl x509 -noout -text -in '" + (dir.path() / "data/ca/ca.crt").string() + "'");
  EXPECT_NE(text.output.find("secp384r1"), std::string::npos) << text.output;
}

// Commands other than `ca init` never create a CA: they say to run it.
TEST(CliCaTest, OtherCommandsNeedACa) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "show"}), "run `iot-hub ca init` first"));
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"device", "list"}), "run `iot-hub ca init` first"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "ca" / "ca.key"));
}

// issue-server writes a 0600 key and a certificate with the SANs, verified by openssl;
// issue-client writes a client certificate.
TEST(CliCaTest, IssueServerAndClient) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  ASSERT_EQ(cli.Run({"ca", "init"}).status, 0);
  const std::string ca_crt = (dir.path() / "data/ca/ca.crt").string();

  const CommandResult server = cli.Run(
      {"ca", "issue-server", "--san", "DNS:emqx", "--san", "IP:127.0.0.1", "--cn", "emqx", "--days",
       "30", "--out-cert", dir.File("server.crt"), "--out-key", dir.File("server.key")});
  ASSERT_EQ(server.status, 0) << server.err;
  EXPECT_EQ(FileMode(dir.File("server.key")), 0600u);
  const ShellResult verify =
      Shell("openssl verify -CAfile '" + ca_crt + "' '" + dir.File("server.crt") + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  const ShellResult text = Shell("openssl x509 -noout -text -in '" + dir.File("server.crt") + "'");
  EXPECT_NE(text.output.find("DNS:emqx"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("IP Address:127.0.0.1"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("CN = emqx"), std::string::npos) << text.output;
  // The key matches the certificate.
  const ShellResult cert_pub =
      Shell("openssl x509 -noout -pubkey -in '" + dir.File("server.crt") + "'");
  const ShellResult key_pub = Shell("openssl pkey -pubout -in '" + dir.File("server.key") + "'");
  EXPECT_EQ(cert_pub.output, key_pub.output);

  const nlohmann::json client =
      cli.Json({"ca", "issue-client", "--cn", "iot-hub-client", "--out-cert",
                dir.File("client.crt"), "--out-key", dir.File("client.key")});
  EXPECT_EQ(FileMode(dir.File("client.key")), 0600u);
  EXPECT_EQ(client["fingerprint"].get<std::string>().size(), 95u);
  const ShellResult client_text =
      Shell("openssl x509 -noout -text -in '" + dir.File("client.crt") + "'");
  EXPECT_NE(client_text.output.find("TLS Web Client Authentication"), std::string::npos);

  // A bad SAN or missing --out-key is refused with one line.
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "issue-server", "--san", "FTP:x", "--out-cert",
                                        dir.File("x.crt"), "--out-key", dir.File("x.key")})));
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.key")));
  EXPECT_TRUE(FailsWithOneLine(
      cli.Run({"ca", "issue-client", "--cn", "c", "--out-cert", dir.File("y.crt")})));
}

}  // namespace
}  // namespace iothub::testing
