// Registry: the domain services the CLI, the HTTP API and the hub share, built on one
// store, the CAs, one clock and the configured plans. Transport-free: callers turn
// their requests into these calls and the returned statuses into their own errors.
//
//   Registry registry(store, cas, clock, plans, [&] { fleet_view.Notify(); });
//   registry.devices().CreateDevice({.id = "d1"}, "cli:alice");
//
// Thread-safety: thread-safe; the services hold no mutable state of their own.
// The referenced store, CAs and clock must outlive the Registry.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "registry/ca_service.h"
#include "registry/certificate_renewal.h"
#include "registry/certificate_service.h"
#include "registry/device_registry.h"
#include "registry/registry_context.h"
#include "registry/user_directory.h"

namespace iothub::registry {

class Registry {
 public:
  // `on_change` runs after every committed change (may be empty).
  Registry(store::Store& store, CaKeyring& cas, const Clock& clock, std::vector<Plan> plans,
           std::function<void()> on_change = {})
      : context_{store, &cas, clock, std::move(plans), std::move(on_change)},
        devices_(context_),
        certificates_(context_),
        renewal_(context_),
        cas_(context_),
        users_(context_) {}
  // Without a CA (the CLI on a data dir that has none): everything works but
  // certificates().SignCsr and MakeCrl and cas(), which answer FailedPrecondition.
  Registry(store::Store& store, const Clock& clock, std::vector<Plan> plans)
      : context_{store, nullptr, clock, std::move(plans), {}},
        devices_(context_),
        certificates_(context_),
        renewal_(context_),
        cas_(context_),
        users_(context_) {}

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  DeviceRegistry& devices() { return devices_; }
  CertificateService& certificates() { return certificates_; }
  CertificateRenewal& renewal() { return renewal_; }
  CaService& cas() { return cas_; }
  UserDirectory& users() { return users_; }
  const std::vector<Plan>& plans() const { return context_.plans; }

  // Read-only views for the admin console: the newest `limit` audit entries (newest
  // first) and a device's certificates (newest first).
  absl::StatusOr<std::vector<store::AuditEntry>> RecentAudit(std::int64_t limit) {
    return context_.store.ListAudit(limit);
  }
  absl::StatusOr<std::vector<Certificate>> DeviceCertificates(std::string_view device_id) {
    return context_.store.ListCertificatesOfDevice(device_id);
  }

 private:
  RegistryContext context_;
  DeviceRegistry devices_;
  CertificateService certificates_;
  CertificateRenewal renewal_;
  CaService cas_;
  UserDirectory users_;
};

}  // namespace iothub::registry
