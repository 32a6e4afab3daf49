#include "app/cli_ca.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli_context.h"
#include "crypto/fingerprint.h"
#include "registry/ca_files.h"
#include "registry/data_layout.h"
#include "registry/json_views.h"
#include "registry/time_format.h"

namespace iothub::app {
namespace {

constexpr char kDefaultServerName[] = "iot-hub";

}  // namespace

CaCommand::CaCommand(CLI::App& app) {
  ca_ = app.add_subcommand("ca", "The hub's certificate authority (in <data-dir>/ca/)");
  ca_->require_subcommand(1);
  ca_->add_flag("--json", json_, "Print JSON");

  init_ = ca_->add_subcommand("init", "Create the CA (refuses to replace an existing one)");
  init_->add_option("--key-type", key_type_, "ec-p256, ec-p384 or rsa-3072 (default: ca.key_type)")
      ->check(CLI::IsMember({"ec-p256", "ec-p384", "rsa-3072"}));

  show_ = ca_->add_subcommand("show", "Print the CA certificate (PEM)");

  crl_ = ca_->add_subcommand("crl", "Print the signed CRL of every revoked certificate (PEM)");
  crl_->add_option("--out", out_, "Write the CRL to this file instead");

  issue_server_ = ca_->add_subcommand(
      "issue-server", "Issue a server (and hub client) certificate with a new EC P-256 key");
  issue_server_->add_option("--san", sans_, "Subject alternative name, DNS:name or IP:address")
      ->required();
  issue_server_->add_option("--cn", common_name_, "Common name (default: iot-hub)");

  issue_client_ = ca_->add_subcommand(
      "issue-client", "Issue a client certificate with a new EC P-256 key (the hub's MQTT client)");
  issue_client_->add_option("--cn", common_name_, "Common name")->required();

  for (CLI::App* issue : {issue_server_, issue_client_}) {
    issue->add_option("--days", days_, "Validity in days, 1-3650 (default: ca.default_days)");
    issue->add_option("--out-cert", out_cert_, "Certificate file (PEM)")->required();
    issue->add_option("--out-key", out_key_, "Private key file (PEM, mode 0600)")->required();
  }
}

bool CaCommand::parsed() const { return ca_->parsed(); }

int CaCommand::Run(const Config& config) {
  if (init_->parsed()) return Init(config);
  if (show_->parsed()) return Show(config);
  if (crl_->parsed()) return Crl(config);
  if (issue_server_->parsed()) return Issue(config, /*server=*/true);
  if (issue_client_->parsed()) return Issue(config, /*server=*/false);
  return kExitUsage;
}

int CaCommand::Init(const Config& config) {
  const std::string name = key_type_.empty() ? config.ca.key_type : key_type_;
  const std::optional<crypto::KeyType> type = registry::ParseKeyType(name);
  if (!type) return Fail("unknown key type '" + name + "'");
  auto ca = registry::InitCa(config.server.data_dir, *type, SystemClock().NowUnixMillis());
  if (!ca.ok()) return Fail(ca.status());
  const std::string dir = registry::CaDirectory(config.server.data_dir).string();
  if (json_) {
    PrintJson({{"directory", dir}, {"keyType", name}, {"certificate", ca->ca_certificate_pem()}});
  } else {
    std::cout << "created a new CA in " << dir << " (" << name << ")\n";
  }
  return kExitOk;
}

int CaCommand::Show(const Config& config) {
  auto context = CliContext::Open(config, CaUse::kSigns);
  if (!context.ok()) return Fail(context.status());
  const std::string& pem = (*context)->ca().ca_certificate_pem();
  if (json_) {
    PrintJson({{"certificate", pem}});
  } else {
    std::cout << pem;
  }
  return kExitOk;
}

int CaCommand::Crl(const Config& config) {
  auto context = CliContext::Open(config, CaUse::kSigns);
  if (!context.ok()) return Fail(context.status());
  auto crl = (*context)->registry().certificates().MakeCrl();
  if (!crl.ok()) return Fail(crl.status());
  if (!out_.empty()) {
    if (auto written = WriteFileAtomically(out_, *crl, 0644); !written.ok()) return Fail(written);
    if (json_) PrintJson({{"out", out_}});
    return kExitOk;
  }
  if (json_) {
    PrintJson({{"crl", *crl}});
  } else {
    std::cout << *crl;
  }
  return kExitOk;
}

int CaCommand::Issue(const Config& config, bool server) {
  auto context = CliContext::Open(config, CaUse::kSigns);
  if (!context.ok()) return Fail(context.status());
  const CLI::App* command = server ? issue_server_ : issue_client_;
  const int days =
      command->get_option("--days")->count() > 0 ? days_ : static_cast<int>(config.ca.default_days);
  const UnixMillis now = SystemClock().NowUnixMillis();
  const crypto::CertificateAuthority& ca = (*context)->ca();
  auto issued =
      server ? ca.IssueServerCertificate(
                   sans_, common_name_.empty() ? kDefaultServerName : common_name_, days, now)
             : ca.IssueClientCertificate(common_name_, days, now);
  if (!issued.ok()) return Fail(issued.status());
  // The key first: a certificate without its key is useless, a key alone harmless.
  if (auto s = WriteFileAtomically(out_key_, issued->private_key_pem, 0600); !s.ok()) {
    return Fail(s);
  }
  if (auto s = WriteFileAtomically(out_cert_, issued->certificate.pem, 0644); !s.ok()) {
    return Fail(s);
  }
  const std::string fingerprint = crypto::FormatFingerprint(issued->certificate.fingerprint);
  if (json_) {
    PrintJson({{"certificateFile", out_cert_},
               {"keyFile", out_key_},
               {"fingerprint", fingerprint},
               {"serialNumber", issued->certificate.serial_hex},
               {"validFrom", registry::FormatIso8601(issued->certificate.valid_from)},
               {"validTo", registry::FormatIso8601(issued->certificate.valid_to)}});
  } else {
    std::cout << "wrote " << out_cert_ << " and " << out_key_ << " (fingerprint " << fingerprint
              << ")\n";
  }
  return kExitOk;
}

}  // namespace iothub::app
