// `iot-hub device ...` through the real binary: the whole device lifecycle with a CSR
// made by the openssl CLI, and bad input that must fail with one line and change nothing.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli_test_util.h"

namespace iothub::testing {
namespace {

class CliDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(cli_.Run({"ca", "init"}).status, 0); }

  std::string CaCert() const { return (dir_.path() / "data/ca/ca.crt").string(); }

  // Everything the CLI can show about the registry's state.
  std::string StateDump() const {
    return cli_.Json({"device", "list", "--limit", "100"}).dump() +
           cli_.Json({"user", "list", "--limit", "100"}).dump();
  }

  std::int64_t AuditRows() const {
    const ShellResult rows = Shell("sqlite3 '" + (dir_.path() / "data/hub.db").string() +
                                   "' 'SELECT count(*) FROM audit_log'");
    return rows.exit_code == 0 ? std::stoll(rows.output) : -1;
  }

  TempDir dir_;
  Cli cli_{dir_.path() / "data"};
};

// create -> sign-csr -> show -> bind -> unbind -> revoke -> crl, as a user would.
TEST_F(CliDeviceTest, FullLifecycle) {
  const nlohmann::json created = cli_.Json({"device", "create", "dev-1", "--model", "sensor-v2"});
  EXPECT_EQ(created["id"], "dev-1");
  EXPECT_EQ(created["status"], "unbound");
  EXPECT_EQ(created["model"], "sensor-v2");
  EXPECT_TRUE(created["ownerId"].is_null());

  // sign-csr prints the certificate PEM, which openssl verifies against the CA.
  const std::string csr = MakeCsr(dir_, "dev1");
  const CommandResult signed_pem = cli_.Run({"device", "sign-csr", "dev-1", csr, "--days", "30"});
  ASSERT_EQ(signed_pem.status, 0) << signed_pem.err;
  ASSERT_EQ(signed_pem.out.rfind("-----BEGIN CERTIFICATE-----", 0), 0u) << signed_pem.out;
  WriteFile(dir_.path() / "dev1.crt", signed_pem.out);
  const ShellResult verify =
      Shell("openssl verify -CAfile '" + CaCert() + "' '" + dir_.File("dev1.crt") + "'");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  const ShellResult subject =
      Shell("openssl x509 -noout -subject -in '" + dir_.File("dev1.crt") + "'");
  EXPECT_NE(subject.output.find("CN = device-dev-1"), std::string::npos) << subject.output;

  // With --json: the certificate object, whose fingerprint openssl agrees with.
  const nlohmann::json cert = cli_.Json({"device", "sign-csr", "dev-1", csr});
  WriteFile(dir_.path() / "dev1b.crt", cert["clientCert"].get<std::string>());
  const ShellResult fp =
      Shell("openssl x509 -noout -fingerprint -sha256 -in '" + dir_.File("dev1b.crt") + "'");
  EXPECT_NE(fp.output.find(cert["fingerprint"].get<std::string>()), std::string::npos)
      << fp.output << " vs " << cert["fingerprint"];
  EXPECT_EQ(cert["deviceId"], "dev-1");
  EXPECT_EQ(cert["caCert"], ReadFile(CaCert()));
  std::string first_serial =
      Shell("openssl x509 -noout -serial -in '" + dir_.File("dev1.crt") + "'").output.substr(7);
  first_serial.erase(first_serial.find_last_not_of('\n') + 1);

  const nlohmann::json shown = cli_.Json({"device", "show", "dev-1"});
  EXPECT_NE(shown["publicKey"].get<std::string>().find("BEGIN PUBLIC KEY"), std::string::npos);
  const CommandResult text = cli_.Run({"device", "show", "dev-1"});
  EXPECT_NE(text.out.find("status: unbound"), std::string::npos) << text.out;

  // Bind to a user made with the CLI, unbind, bind again.
  const nlohmann::json user =
      cli_.Json({"user", "create", "--email", "ann@example.com", "--name", "Ann"});
  const std::string user_id = user["id"];
  const nlohmann::json bound = cli_.Json({"device", "bind", "dev-1", user_id});
  EXPECT_EQ(bound["status"], "bound");
  EXPECT_EQ(bound["ownerId"], user_id);
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"device", "bind", "dev-1", user_id}),
                               "device dev-1 is bound to user " + user_id));
  const nlohmann::json owned = cli_.Json({"device", "list", "--owner", user_id});
  EXPECT_EQ(owned["total"], 1);
  const nlohmann::json unbound = cli_.Json({"device", "unbind", "dev-1"});
  EXPECT_EQ(unbound["status"], "unbound");
  EXPECT_TRUE(unbound["ownerId"].is_null());
  ASSERT_EQ(cli_.Run({"device", "bind", "dev-1", user_id}).status, 0);

  // Revoke: terminal; no more certificates; the CRL lists the serials.
  const nlohmann::json revoked = cli_.Json({"device", "revoke", "dev-1"});
  EXPECT_EQ(revoked["status"], "revoked");
  EXPECT_TRUE(FailsWithOneLine(cli_.Run({"device", "sign-csr", "dev-1", MakeCsr(dir_, "again")}),
                               "device dev-1 is revoked"));
  EXPECT_TRUE(
      FailsWithOneLine(cli_.Run({"device", "bind", "dev-1", user_id}), "device dev-1 is revoked"));
  ASSERT_EQ(cli_.Run({"ca", "crl", "--out", dir_.File("crl.pem")}).status, 0);
  const ShellResult crl = Shell("openssl crl -noout -text -CAfile '" + CaCert() + "' -in '" +
                                dir_.File("crl.pem") + "'");
  EXPECT_EQ(crl.exit_code, 0) << crl.output;
  EXPECT_NE(crl.output.find("verify OK"), std::string::npos) << crl.output;
  EXPECT_NE(crl.output.find(first_serial), std::string::npos) << first_serial << "\n" << crl.output;
  EXPECT_NE(crl.output.find(cert["serialNumber"].get<std::string>()), std::string::npos);

  // Every change left an audit row by "cli:<unix user>".
  const ShellResult actors = Shell("sqlite3 '" + (dir_.path() / "data/hub.db").string() +
                                   "' 'SELECT DISTINCT actor FROM audit_log'");
  EXPECT_EQ(actors.output.rfind("cli:", 0), 0u) << actors.output;
  EXPECT_EQ(std::count(actors.output.begin(), actors.output.end(), '\n'), 1);
}

// Bad input fails with one line and leaves devices, users, certificates and the audit
// log as they were.
TEST_F(CliDeviceTest, BadInputChangesNothing) {
  ASSERT_EQ(cli_.Run({"device", "create", "dev-1"}).status, 0);
  ASSERT_EQ(cli_.Run({"device", "create", "gone"}).status, 0);
  ASSERT_EQ(cli_.Run({"device", "revoke", "gone"}).status, 0);
  const std::string good_csr = MakeCsr(dir_, "good");
  WriteFile(dir_.path() / "garbage.csr",
            "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
            "-----END CERTIFICATE REQUEST-----\n");
  const std::string weak_csr = MakeCsr(dir_, "weak", "-newkey rsa:1024");
  const std::string state_before = StateDump();
  const std::int64_t audit_before = AuditRows();
  ASSERT_GT(audit_before, 0);

  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"device", "sign-csr", "dev-1", dir_.File("garbage.csr")}, "CSR refused"},
      {{"device", "sign-csr", "dev-1", weak_csr}, "CSR refused"},
      {{"device", "sign-csr", "dev-1", dir_.File("missing.csr")}, "cannot read"},
      {{"device", "sign-csr", "nope", good_csr}, "device nope not found"},
      {{"device", "sign-csr", "gone", good_csr}, "device gone is revoked"},
      {{"device", "sign-csr", "dev-1", good_csr, "--days", "0"}, "days must be between"},
      {{"device", "sign-csr", "dev-1", good_csr, "--days", "3651"}, "days must be between"},
      {{"device", "create", "a/b"}, "invalid device id"},
      {{"device", "create", "a+b"}, "invalid device id"},
      {{"device", "create", "#"}, "invalid device id"},
      {{"device", "create", "x'; DROP TABLE devices;--"}, "invalid device id"},
      {{"device", "create", "\"quoted\""}, "invalid device id"},
      {{"device", "create", "line\nbreak"}, "invalid device id"},
      {{"device", "create", std::string(58, 'a')}, "at most 57"},
      {{"device", "create", "dev-1"}, "already exists"},
      {{"device", "show", "nope"}, "device nope not found"},
      {{"device", "bind", "dev-1", "no-such-user"}, "user no-such-user not found"},
      {{"device", "bind", "dev-1", "x'; DROP TABLE users;--"}, "invalid user id"},
      {{"device", "unbind", "dev-1"}, "device dev-1 is unbound"},
      {{"device", "revoke", "gone"}, "device gone is revoked"},
      {{"device", "list", "--page", "0"}, "page must be"},
      {{"device", "list", "--limit", "101"}, "limit must be"},
  };
  for (const auto& [args, expected] : cases) {
    SCOPED_TRACE(args[1] + " " + args[2]);
    EXPECT_TRUE(FailsWithOneLine(cli_.Run(args), expected));
  }
  EXPECT_EQ(StateDump(), state_before);
  EXPECT_EQ(AuditRows(), audit_before);
  // The tables are all still there.
  const ShellResult tables = Shell("sqlite3 '" + (dir_.path() / "data/hub.db").string() +
                                   "' 'SELECT count(*) FROM devices'");
  EXPECT_EQ(tables.output, "2\n");
}

// Usage errors (missing arguments, unknown subcommands) are one line with status 2.
TEST_F(CliDeviceTest, UsageErrors) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"device"},
                                               {"device", "create"},
                                               {"device", "bind", "d"},
                                               {"device", "frobnicate"},
                                               {"device", "list", "--page", "x"}}) {
    const CommandResult result = cli_.Run(args);
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_TRUE(FailsWithOneLine(result));
  }
}

}  // namespace
}  // namespace iothub::testing
