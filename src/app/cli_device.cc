#include "app/cli_device.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/cli_context.h"
#include "registry/json_views.h"

namespace iothub::app {
namespace {

// Longest CSR file read (the CA refuses anything above 16 KiB anyway).
constexpr std::size_t kMaxCsrFileBytes = 64 * 1024;

// Prints one device: JSON, or "key: value" lines.
int PrintDevice(const Device& device, bool json) {
  const nlohmann::ordered_json view = registry::DeviceToJson(device);
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
    device = registry.devices().CreateDevice(input, actor);
  } else if (show_->parsed()) {
    device = registry.devices().GetDevice(id_);
  } else if (revoke_->parsed()) {
    device = registry.devices().RevokeDevice(id_, actor);
  } else if (bind_->parsed()) {
    device = registry.devices().BindDevice(id_, user_id_, actor);
  } else if (unbind_->parsed()) {
    device = registry.devices().UnbindDevice(id_, actor);
  } else if (list_->parsed()) {
    std::optional<std::string_view> owner;
    if (!owner_.empty()) owner = owner_;
    auto page = registry.devices().ListDevices({.page = page_, .limit = limit_}, owner);
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

}  // namespace iothub::app
