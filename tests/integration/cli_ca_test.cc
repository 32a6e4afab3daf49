// `iot-hub ca ...` through the real binary: init, show, issuing server and client
// certificates, key file modes, refusing to replace a CA, and CA rotation (rotate,
// status, show --bundle, retire).
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

// On a fresh data dir, commands that sign nothing work and create no CA (so that a
// later `ca init --key-type` still chooses it). Issue #14 item 7: they used to fail
// with "run `iot-hub ca init` first".
TEST(CliCaTest, FreshDataDirCommandsThatSignNothingNeedNoCa) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  const nlohmann::json user =
      cli.Json({"user", "create", "--email", "ann@example.com", "--name", "Ann"});
  ASSERT_TRUE(user.contains("id")) << user;
  EXPECT_EQ(cli.Json({"user", "list"})["users"].size(), 1u);
  ASSERT_EQ(cli.Run({"device", "create", "dev-1"}).status, 0);
  EXPECT_EQ(cli.Run({"device", "bind", "dev-1", user["id"].get<std::string>()}).status, 0);
  EXPECT_EQ(cli.Json({"device", "show", "dev-1"})["status"], "bound");
  const CommandResult list = cli.Run({"device", "list"});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_EQ(list.err, "");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data" / "ca"));
  // The CA can still be chosen.
  ASSERT_EQ(cli.Run({"ca", "init", "--key-type", "ec-p384"}).status, 0);
}

// Commands that sign create the CA when there is none, as `serve` does: with the
// configured ca.key_type, saying so on stderr, once; the certificate verifies against it.
TEST(CliCaTest, FreshDataDirCommandsThatSignCreateTheCa) {
  TempDir dir;
  WriteFile(dir.File("hub.toml"), "[ca]\nkey_type = \"ec-p384\"\n");
  Cli cli(dir.path() / "data");
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", dir.File("hub.toml")});
    return cli.Run(args);
  };
  ASSERT_EQ(run({"device", "create", "dev-1"}).status, 0);
  const CommandResult signed_cert = run({"device", "sign-csr", "dev-1", MakeCsr(dir, "dev-1")});
  ASSERT_EQ(signed_cert.status, 0) << signed_cert.err;
  WriteFile(dir.File("dev-1.crt"), signed_cert.out);
  EXPECT_NE(signed_cert.err.find("created a new CA in"), std::string::npos) << signed_cert.err;
  const std::string ca_crt = (dir.path() / "data/ca/ca.crt").string();
  EXPECT_EQ(FileMode(dir.path() / "data/ca/ca.key"), 0600u);
  const ShellResult verify =
      Shell("openssl verify -CAfile '" + ca_crt + "' '" + dir.File("dev-1.crt") + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  const ShellResult text = Shell("openssl x509 -noout -text -in '" + ca_crt + "'");
  EXPECT_NE(text.output.find("secp384r1"), std::string::npos) << text.output;

  // Once there, it is used as it is.
  const std::string key_before = ReadFile(dir.path() / "data/ca/ca.key");
  const CommandResult show = run({"ca", "show"});
  EXPECT_EQ(show.status, 0);
  EXPECT_EQ(show.out, ReadFile(ca_crt));
  EXPECT_EQ(show.err, "");
  EXPECT_EQ(ReadFile(dir.path() / "data/ca/ca.key"), key_before);

  // `ca show` on another fresh data dir creates one too.
  Cli other(dir.path() / "other");
  const CommandResult other_show = other.Run({"ca", "show"});
  EXPECT_EQ(other_show.status, 0) << other_show.err;
  EXPECT_EQ(other_show.out, ReadFile(dir.path() / "other/ca/ca.crt"));
}

// Half a CA (the key gone) is never completed or replaced: commands that sign fail
// with one line, the others still work.
TEST(CliCaTest, HalfACaIsNeverReplaced) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  ASSERT_EQ(cli.Run({"ca", "init"}).status, 0);
  std::filesystem::remove(dir.path() / "data/ca/ca.key");
  const std::string cert_before = ReadFile(dir.path() / "data/ca/ca.crt");
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "show"})));
  ASSERT_EQ(cli.Run({"device", "create", "dev-1"}).status, 0);
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"device", "sign-csr", "dev-1", MakeCsr(dir, "dev-1")})));
  EXPECT_EQ(cli.Run({"device", "list"}).status, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data/ca/ca.key"));
  EXPECT_EQ(ReadFile(dir.path() / "data/ca/ca.crt"), cert_before);
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

// Rotation end to end through the CLI: a data dir with a CA made the old way gets a
// second CA; the bundle holds both and verifies a certificate of each; status shows
// who signs and the active certificates of each; retire refuses, then forced revokes
// the old CA's certificate and drops it from the bundle.
TEST(CliCaTest, RotateStatusBundleRetire) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  ASSERT_EQ(cli.Run({"ca", "init"}).status, 0);
  const std::string old_pem = ReadFile(dir.path() / "data/ca/ca.crt");
  ASSERT_EQ(cli.Run({"device", "create", "dev-old"}).status, 0);
  ASSERT_EQ(cli.Run({"device", "create", "dev-new"}).status, 0);
  const nlohmann::json old_cert =
      cli.Json({"device", "sign-csr", "dev-old", MakeCsr(dir, "dev-old")});
  const nlohmann::json first = cli.Json({"ca", "status"});
  ASSERT_EQ(first["cas"].size(), 1u) << first;
  const std::string old_id = first["cas"][0]["id"];

  const CommandResult rotate = cli.Run({"ca", "rotate", "--key-type", "ec-p384"});
  ASSERT_EQ(rotate.status, 0) << rotate.err;
  EXPECT_NE(rotate.out.find("created CA "), std::string::npos) << rotate.out;
  const nlohmann::json new_cert =
      cli.Json({"device", "sign-csr", "dev-new", MakeCsr(dir, "dev-new")});
  WriteFile(dir.File("old.crt"), old_cert["clientCert"].get<std::string>());
  WriteFile(dir.File("new.crt"), new_cert["clientCert"].get<std::string>());

  const nlohmann::json status = cli.Json({"ca", "status"});
  ASSERT_EQ(status["cas"].size(), 2u) << status;
  EXPECT_EQ(status["cas"][0]["id"], old_id);
  EXPECT_EQ(status["cas"][0]["signing"], false);
  EXPECT_EQ(status["cas"][0]["activeCertificates"], 1);
  EXPECT_EQ(status["cas"][1]["signing"], true);
  EXPECT_EQ(status["cas"][1]["activeCertificates"], 1);
  EXPECT_EQ(status["cas"][1]["status"], "active");
  const std::string new_id = status["cas"][1]["id"];
  const CommandResult text = cli.Run({"ca", "status"});
  EXPECT_NE(text.out.find(new_id + "  active (signs)"), std::string::npos) << text.out;

  // The new CA signs; `ca show` prints it; the bundle verifies both certificates.
  const CommandResult show = cli.Run({"ca", "show"});
  EXPECT_NE(show.out, old_pem);
  const CommandResult bundle = cli.Run({"ca", "show", "--bundle"});
  ASSERT_EQ(bundle.status, 0) << bundle.err;
  EXPECT_NE(bundle.out.find(old_pem), std::string::npos);
  EXPECT_NE(bundle.out.find(show.out), std::string::npos);
  WriteFile(dir.File("bundle.pem"), bundle.out);
  for (const char* cert : {"old.crt", "new.crt"}) {
    const ShellResult verify =
        Shell("openssl verify -CAfile '" + dir.File("bundle.pem") + "' '" + dir.File(cert) + "'");
    EXPECT_EQ(verify.exit_code, 0) << cert << verify.output;
  }

  // Retiring: bad and unknown ids, the signing CA, and dependants are refused.
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "retire", "xyz"}), "invalid CA id"));
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "retire", "0011223344556677"}), "not found"));
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "retire", new_id}), "ca rotate"));
  EXPECT_TRUE(FailsWithOneLine(cli.Run({"ca", "retire", old_id}), "--force"));
  const nlohmann::json retired = cli.Json({"ca", "retire", old_id, "--force"});
  EXPECT_EQ(retired["revokedCertificates"], 1) << retired;
  const CommandResult after = cli.Run({"ca", "show", "--bundle"});
  EXPECT_EQ(after.out, show.out);
  const nlohmann::json final_status = cli.Json({"ca", "status"});
  EXPECT_EQ(final_status["cas"][0]["status"], "retired");
  EXPECT_EQ(final_status["cas"][0]["activeCertificates"], 0);
  // The CRLs: one, the new CA's (the retired CA's is no longer published).
  const CommandResult crl = cli.Run({"ca", "crl"});
  ASSERT_EQ(crl.status, 0) << crl.err;
  EXPECT_EQ(crl.out.find("BEGIN X509 CRL"), crl.out.rfind("BEGIN X509 CRL"));
}

// issue-server keeps a copy of the certificate for the hub's expiry watch, replaced
// when the same name is issued again.
TEST(CliCaTest, IssueServerKeepsACopy) {
  TempDir dir;
  Cli cli(dir.path() / "data");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(cli.Run({"ca", "issue-server", "--san", "DNS:broker", "--cn", "broker", "--out-cert",
                       dir.File("server.crt"), "--out-key", dir.File("server.key")})
                  .status,
              0);
  }
  EXPECT_EQ(ReadFile(dir.path() / "data/issued/server-broker.crt"),
            ReadFile(dir.File("server.crt")));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "data/issued")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace iothub::testing
