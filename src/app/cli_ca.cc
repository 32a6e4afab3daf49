#include "app/cli_ca.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <iostream>

#include "absl/strings/match.h"
#include "app/cli_context.h"
#include "crypto/fingerprint.h"
#include "registry/ca_files.h"
#include "registry/data_layout.h"
#include "registry/json_views.h"
#include "registry/time_format.h"

namespace iothub::app {
namespace {

constexpr char kDefaultServerName[] = "iot-hub";

// Writes <data_dir>/issued/server-<CN>.crt (the CN with characters outside
// [A-Za-z0-9._-] as '_'), replacing the copy of an earlier certificate for that name.
absl::Status KeepIssuedServerCertificate(const std::filesystem::path& data_dir,
                                         std::string_view common_name, std::string_view pem) {
  const std::filesystem::path dir = registry::IssuedServerDirectory(data_dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError("cannot create " + dir.string());
  std::string name(common_name);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  return WriteFileAtomically(dir / ("server-" + name + ".crt"), pem, 0644);
}

}  // namespace

CaCommand::CaCommand(CLI::App& app) {
  ca_ = app.add_subcommand("ca", "The hub's certificate authority (in <data-dir>/ca/)");
  ca_->require_subcommand(1);
  ca_->add_flag("--json", json_, "Print JSON");

  init_ = ca_->add_subcommand("init", "Create the CA (refuses to replace an existing one)");
  init_->add_option("--key-type", key_type_, "ec-p256, ec-p384 or rsa-3072 (default: ca.key_type)")
      ->check(CLI::IsMember({"ec-p256", "ec-p384", "rsa-3072"}));

  show_ = ca_->add_subcommand("show", "Print the signing CA's certificate (PEM)");
  show_->add_flag("--bundle", bundle_,
                  "Print every trusted CA's certificate instead (a broker's cafile)");

  status_ = ca_->add_subcommand(
      "status", "Every CA: id, subject, expiry, active/retired, active device certificates");
  rotate_ = ca_->add_subcommand("rotate",
                                "Create a new CA that signs from now on; the others stay trusted");
  rotate_
      ->add_option("--key-type", key_type_, "ec-p256, ec-p384 or rsa-3072 (default: ca.key_type)")
      ->check(CLI::IsMember({"ec-p256", "ec-p384", "rsa-3072"}));
  retire_ =
      ca_->add_subcommand("retire", "Stop trusting a CA: its certificates are revoked and refused");
  retire_->add_option("id", ca_id_, "The CA's id (ca status)")->required();
  retire_->add_flag("--force", force_, "Retire even while active device certificates depend on it");

  crl_ = ca_->add_subcommand("crl", "Print the signed CRLs of every trusted CA (PEM)");
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
  if (status_->parsed()) return Status(config);
  if (rotate_->parsed()) return Rotate(config);
  if (retire_->parsed()) return Retire(config);
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
  registry::CaService& cas = (*context)->registry().cas();
  absl::StatusOr<std::string> pem = bundle_ ? cas.Bundle() : cas.SigningCertificate();
  if (!pem.ok()) return Fail(pem.status());
  if (json_) {
    PrintJson({{bundle_ ? "bundle" : "certificate", *pem}});
  } else {
    std::cout << *pem;
  }
  return kExitOk;
}

int CaCommand::Status(const Config& config) {
  auto context = CliContext::Open(config, CaUse::kSigns);
  if (!context.ok()) return Fail(context.status());
  auto cas = (*context)->registry().cas().Status();
  if (!cas.ok()) return Fail(cas.status());
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const registry::CaStatus& ca : *cas) items.push_back(registry::CaStatusToJson(ca));
  if (json_) {
    PrintJson({{"cas", items}});
    return kExitOk;
  }
  for (const auto& item : items) {
    std::cout << item["id"].get<std::string>() << "  " << item["status"].get<std::string>()
              << (item["signing"].get<bool>() ? " (signs)" : "") << "  not after "
              << item["notAfter"].get<std::string>() << "  "
              << item["activeCertificates"].get<std::int64_t>() << " active certificate(s)  "
              << item["subject"].get<std::string>() << "\n";
  }
  return kExitOk;
}

int CaCommand::Rotate(const Config& config) {
  const std::string name = key_type_.empty() ? config.ca.key_type : key_type_;
  const std::optional<crypto::KeyType> type = registry::ParseKeyType(name);
  if (!type) return Fail("unknown key type '" + name + "'");
  auto context = CliContext::Open(config, CaUse::kSigns);
  if (!context.ok()) return Fail(context.status());
  auto created = (*context)->registry().cas().Rotate(*type, CliActor());
  if (!created.ok()) return Fail(created.status());
  if (json_) {
    PrintJson(registry::CaStatusToJson(*created));
  } else {
    std::cout << "created CA " << created->id << " (" << name
              << "); it signs from now on, the others stay trusted until retired\n";
  }
  return kExitOk;
}

int CaCommand::Retire(const Config& config) {
  auto context = CliContext::Open(config, CaUse::kSigns);
  if (!context.ok()) return Fail(context.status());
  auto retired = (*context)->registry().cas().Retire(ca_id_, force_, CliActor());
  if (!retired.ok()) {
    if (absl::IsFailedPrecondition(retired.status()) &&
        absl::StrContains(retired.status().message(), "still backs")) {
      return Fail(std::string(retired.status().message()) + " (--force)");
    }
    return Fail(retired.status());
  }
  if (json_) {
    PrintJson({{"id", retired->id}, {"revokedCertificates", retired->revoked_certificates}});
  } else {
    std::cout << "retired CA " << retired->id << " (" << retired->revoked_certificates
              << " certificate(s) revoked)\n";
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
  auto signing = (*context)->cas().SigningCa();
  if (!signing.ok()) return Fail(signing.status());
  const crypto::CertificateAuthority& ca = **signing;
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
  if (server) {
    // A copy the hub watches for expiry (app/certificate_watch.h); best effort.
    if (auto s = KeepIssuedServerCertificate(
            config.server.data_dir, common_name_.empty() ? kDefaultServerName : common_name_,
            issued->certificate.pem);
        !s.ok()) {
      std::cerr << "iot-hub: warning: " << s.message() << "\n";
    }
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
