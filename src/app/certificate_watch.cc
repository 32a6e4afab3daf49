#include "app/certificate_watch.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "crypto/certificate_facts.h"
#include "registry/time_format.h"

namespace iothub::app {
namespace {

constexpr auto kRefreshEvery = std::chrono::seconds(2);
constexpr auto kCheckEvery = std::chrono::minutes(1);
constexpr std::size_t kMaxCertificateFile = 64 * 1024;

std::string ReadSmall(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxCertificateFile, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace

void CertificateWatch::Tick() {
  const auto now = std::chrono::steady_clock::now();
  bool changed = false;
  if (now >= next_refresh_) {
    next_refresh_ = now + kRefreshEvery;
    absl::StatusOr<bool> refreshed = parts_.cas.Refresh();
    if (!refreshed.ok()) {
      spdlog::warn("cannot reload the CAs in {} (the previous set stays in force): {}",
                   parts_.cas.directory().string(), refreshed.status().ToString());
    } else if (*refreshed) {
      changed = true;
      const auto signing = parts_.cas.set()->Signing();
      spdlog::info("CAs reloaded from {}: {} signs", parts_.cas.directory().string(),
                   signing != nullptr ? signing->id : "no CA");
    }
  }
  if (changed || now >= next_check_) {
    next_check_ = now + kCheckEvery;
    CheckExpiry(parts_.clock.NowUnixMillis());
  }
}

std::vector<CertificateWatch::Seen> CertificateWatch::Collect() const {
  std::vector<Seen> seen;
  for (const crypto::CaEntry& entry : parts_.cas.set()->entries()) {
    if (!entry.trusted()) continue;
    seen.push_back({"ca", entry.id, entry.facts.subject, entry.facts.not_after});
  }
  auto add_file = [&seen](std::string kind, std::string id, const std::filesystem::path& file) {
    absl::StatusOr<crypto::CertificateFacts> facts = crypto::FactsOfPem(ReadSmall(file));
    if (facts.ok())
      seen.push_back({std::move(kind), std::move(id), facts->subject, facts->not_after});
  };
  for (const WatchedCertificate& file : parts_.files) add_file(file.kind, file.id, file.file);
  if (!parts_.issued_server_dir.empty()) {
    std::error_code error;
    for (const auto& item : std::filesystem::directory_iterator(parts_.issued_server_dir, error)) {
      if (item.path().extension() != ".crt") continue;
      add_file("broker_server", item.path().stem().string(), item.path());
    }
  }
  return seen;
}

std::vector<ExpiryWarning> CertificateWatch::CheckExpiry(UnixMillis now) {
  std::vector<ExpiryWarning> warnings;
  std::map<std::string, std::int64_t> expiring = {
      {"ca", 0}, {"hub_client", 0}, {"broker_server", 0}};
  for (const Seen& certificate : Collect()) {
    parts_.metrics
        .GetGauge("iothub_certificate_expiry_seconds",
                  "Seconds until a certificate of the hub expires (negative: expired)",
                  {{"kind", certificate.kind}, {"id", certificate.id}})
        .Set((certificate.not_after - now) / 1000);
    if (certificate.not_after - now > kWarnWithinMillis) continue;
    ++expiring[certificate.kind];
    warnings.push_back(
        {certificate.kind, certificate.id, certificate.subject, certificate.not_after});
    UnixMillis& last = last_warned_[certificate.kind + "/" + certificate.id];
    if (last != 0 && now - last < kWarnEveryMillis) continue;
    last = now;
    spdlog::warn("{} certificate {} ({}) {} {}", certificate.kind, certificate.id,
                 certificate.subject, certificate.not_after < now ? "expired at" : "expires at",
                 registry::FormatIso8601(certificate.not_after));
  }
  for (const auto& [kind, count] : expiring) {
    parts_.metrics
        .GetGauge("iothub_infra_certificates_expiring",
                  "Certificates of the hub (CAs, its MQTT client, broker servers it issued) "
                  "expiring within 30 days",
                  {{"kind", kind}})
        .Set(count);
  }
  return warnings;
}

}  // namespace iothub::app
