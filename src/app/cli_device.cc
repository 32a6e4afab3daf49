#include "app/cli_device.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "app/cli_context.h"
#include "app/qr_label.h"
#include "registry/claim_code.h"
#include "registry/json_views.h"

namespace iothub::app {
namespace {

// Longest CSR file read (the CA refuses anything above 16 KiB anyway).
constexpr std::size_t kMaxCsrFileBytes = 64 * 1024;

// "30d" or "30" as a number of days (1-3650 is the registry's check); nullopt otherwise.
std::optional<int> ParseDays(std::string_view text) {
  if (text.ends_with('d')) text.remove_suffix(1);
  int days = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return days;
}

// Prints one device: JSON, or "key: value" lines; with its claim code when given.
int PrintDevice(const Device& device, bool json, const std::string& claim_code = "") {
  nlohmann::ordered_json view = registry::DeviceToJson(device);
  if (!claim_code.empty()) view["claimCode"] = claim_code;
  if (json) {
    PrintJson(view);
  } else {
    PrintFields(view);
  }
  return kExitOk;
}

void PrintDeviceTable(const registry::Page<Device>& page) {
  std::printf("%-40s %-8s %-36s %s\n", "ID", "STATUS", "OWNER", "MODEL");
  for (const Device& device : page.items) {
    std::printf("%-40s %-8s %-36s %s\n", device.id.c_str(),
                std::string(ToString(device.status)).c_str(), device.owner_id.value_or("-").c_str(),
                device.model.c_str());
  }
  const std::int64_t pages = (page.total + page.limit - 1) / page.limit;
  std::printf("page %lld of %lld, %lld device(s)\n", static_cast<long long>(page.page),
              static_cast<long long>(pages < 1 ? 1 : pages), static_cast<long long>(page.total));
}

// The label of `uri` in `format`; InvalidArgument for an unknown format.
absl::StatusOr<std::string> RenderLabel(std::string_view uri, std::string_view format) {
  absl::StatusOr<QrMatrix> qr = EncodeQr(uri);
  if (!qr.ok()) return qr.status();
  if (format == "txt") return QrToText(*qr) + std::string(uri) + "\n";
  if (format == "svg") return QrToSvg(*qr);
  if (format == "png") return QrToPng(*qr);
  return absl::InvalidArgumentError("unknown label format; use txt, svg or png");
}

}  // namespace

DeviceCommand::DeviceCommand(CLI::App& app) {
  device_ = app.add_subcommand("device", "Devices and their certificates");
  device_->require_subcommand(1);
  device_->add_flag("--json", json_, "Print JSON");

  create_ = device_->add_subcommand("create", "Create an unbound device");
  create_->add_option("id", id_, "Device id: 1-57 of A-Z a-z 0-9 _ -")->required();
  create_->add_option("--model", model_, "Device model");
  create_->add_option("--firmware", firmware_, "Firmware version");

  list_ = device_->add_subcommand("list", "List devices");
  list_->add_option("--page", page_, "Page, from 1");
  list_->add_option("--limit", limit_, "Devices per page, 1-100");
  list_->add_option("--owner", owner_, "Only the devices of this user id");
  list_->add_option("--expiring-within", expiring_within_,
                    "Only devices whose current certificate expires within this many days, "
                    "e.g. 30d (or has expired)");

  show_ = device_->add_subcommand("show", "Show a device");
  show_->add_option("id", id_, "Device id")->required();

  sign_csr_ = device_->add_subcommand("sign-csr", "Sign a device's CSR; prints the certificate");
  sign_csr_->add_option("id", id_, "Device id")->required();
  sign_csr_->add_option("csr_file", csr_file_, "CSR file (PEM)")->required();
  sign_csr_->add_option("--days", days_, "Validity in days, 1-3650 (default: ca.default_days)");
  sign_csr_->add_option("--firmware", firmware_, "Firmware version to record");

  revoke_ = device_->add_subcommand("revoke", "Revoke a device and its certificates (final)");
  revoke_->add_option("id", id_, "Device id")->required();

  bind_ = device_->add_subcommand("bind", "Bind an unbound device to a user");
  bind_->add_option("device_id", id_, "Device id")->required();
  bind_->add_option("user_id", user_id_, "User id")->required();

  unbind_ = device_->add_subcommand("unbind", "Unbind a bound device");
  unbind_->add_option("device_id", id_, "Device id")->required();

  claim_code_ = device_->add_subcommand(
      "claim-code", "Issue a new claim code for an unbound device (the old one stops working)");
  claim_code_->add_option("id", id_, "Device id")->required();
  claim_code_->add_flag("--rotate", rotate_, "Replace the code; prints the new one")->required();

  label_ = device_->add_subcommand("label", "Print a QR code of the device's claim URI");
  label_->add_option("id", id_, "Device id")->required();
  auto* code = label_->add_option("--code", code_, "The device's claim code");
  auto* rotate = label_->add_flag("--rotate", rotate_, "Issue a new claim code for the label");
  code->excludes(rotate);
  label_->add_option("--format", format_, "txt (terminal), svg or png (needs --out)")
      ->check(CLI::IsMember({"txt", "svg", "png"}));
  label_->add_option("--out", out_, "Write the label to this file (default: stdout)");
}

bool DeviceCommand::parsed() const { return device_->parsed(); }

int DeviceCommand::Run(const Config& config) {
  auto opened = CliContext::Open(config, sign_csr_->parsed() ? CaUse::kSigns : CaUse::kNone);
  if (!opened.ok()) return Fail(opened.status());
  registry::Registry& registry = (*opened)->registry();
  const std::string actor = CliActor();

  absl::StatusOr<Device> device;
  if (create_->parsed()) {
    registry::NewDevice input;
    input.id = id_;
    input.model = model_;
    if (create_->get_option("--firmware")->count() > 0) input.firmware_version = firmware_;
    std::string code;
    device = registry.devices().CreateDevice(input, actor, &code);
    if (!device.ok()) return Fail(device.status());
    return PrintDevice(*device, json_, code);
  } else if (show_->parsed()) {
    device = registry.devices().GetDevice(id_);
  } else if (revoke_->parsed()) {
    device = registry.devices().RevokeDevice(id_, actor);
  } else if (bind_->parsed()) {
    device = registry.devices().BindDevice(id_, user_id_, actor);
  } else if (unbind_->parsed()) {
    std::string code;
    device = registry.devices().UnbindDevice(id_, actor, &code);
    if (!device.ok()) return Fail(device.status());
    return PrintDevice(*device, json_, code);
  } else if (claim_code_->parsed()) {
    absl::StatusOr<std::string> code = registry.devices().RotateClaimCode(id_, actor);
    if (!code.ok()) return Fail(code.status());
    if (json_) {
      PrintJson({{"id", id_}, {"claimCode", *code}});
    } else {
      std::printf("%s\n", code->c_str());
    }
    return kExitOk;
  } else if (label_->parsed()) {
    return RunLabel(registry, actor);
  } else if (list_->parsed()) {
    std::optional<std::string_view> owner;
    if (!owner_.empty()) owner = owner_;
    std::optional<int> expiring;
    if (list_->get_option("--expiring-within")->count() > 0) {
      expiring = ParseDays(expiring_within_);
      if (!expiring) {
        return Fail(absl::InvalidArgumentError("--expiring-within: a number of days, e.g. 30d"));
      }
    }
    auto page = registry.devices().ListDevices({.page = page_, .limit = limit_}, owner, expiring);
    if (!page.ok()) return Fail(page.status());
    if (json_) {
      PrintJson(registry::DevicePageToJson(*page));
    } else {
      PrintDeviceTable(*page);
    }
    return kExitOk;
  } else if (sign_csr_->parsed()) {
    auto csr = ReadSmallFile(csr_file_, kMaxCsrFileBytes);
    if (!csr.ok()) return Fail(csr.status());
    registry::CsrRequest request;
    request.device_id = id_;
    request.csr_pem = *std::move(csr);
    request.days = sign_csr_->get_option("--days")->count() > 0
                       ? days_
                       : static_cast<int>(config.ca.default_days);
    if (sign_csr_->get_option("--firmware")->count() > 0) request.firmware_version = firmware_;
    auto certificate = registry.certificates().SignCsr(request, actor);
    if (!certificate.ok()) return Fail(certificate.status());
    if (json_) {
      PrintJson(registry::CertificateToJson(*certificate));
    } else {
      std::cout << certificate->client_cert_pem;
    }
    return kExitOk;
  } else {
    return kExitUsage;
  }
  if (!device.ok()) return Fail(device.status());
  return PrintDevice(*device, json_);
}

int DeviceCommand::RunLabel(registry::Registry& registry, const std::string& actor) {
  if (!rotate_ && code_.empty()) return Fail("label needs --code CODE or --rotate");
  if (format_ == "png" && out_.empty()) return Fail("a png label needs --out FILE");
  std::string code = code_;
  if (rotate_) {
    absl::StatusOr<std::string> issued = registry.devices().RotateClaimCode(id_, actor);
    if (!issued.ok()) return Fail(issued.status());
    code = *std::move(issued);
  } else if (absl::Status s = registry.devices().CheckClaimCode(id_, code_); !s.ok()) {
    return Fail(s);  // a label with a wrong code would be useless
  }
  absl::StatusOr<std::string> canonical = NormalizeClaimCode(code);
  if (!canonical.ok()) return Fail(canonical.status());
  const std::string uri = ClaimUri(id_, *canonical);
  absl::StatusOr<std::string> label = RenderLabel(uri, format_);
  if (!label.ok()) return Fail(label.status());
  if (out_.empty()) {
    std::cout << *label;
    return kExitOk;
  }
  // 0600: the label holds the claim code.
  if (absl::Status s = WriteFileAtomically(out_, *label, 0600); !s.ok()) return Fail(s);
  std::printf("%s\n", uri.c_str());
  return kExitOk;
}

}  // namespace iothub::app
