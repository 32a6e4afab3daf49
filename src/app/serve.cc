#include "app/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "app/version.h"
#include "common/metrics.h"
#include "hooks/deny_all_handler.h"
#include "hooks/exhook_dispatcher.h"
#include "hooks/exhook_server.h"
#include "http/http_server.h"

namespace iothub::app {
namespace {

std::vector<hooks::HookSpec> HookSpecs(const HooksConfig& config) {
  std::vector<hooks::HookSpec> specs;
  for (const std::string& name : config.enabled) {
    hooks::HookSpec spec{.name = name, .topics = {}};
    if (name == "message.publish") spec.topics = config.publish_topics;
    specs.push_back(std::move(spec));
  }
  return specs;
}

// Blocks SIGTERM/SIGINT in every thread (call before starting any), so that one thread
// can wait for them with sigwait.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void RegisterOpsRoutes(httplib::Server& routes, Metrics& metrics) {
  routes.Get("/api/health", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(nlohmann::json{{"status", "ok"}, {"version", kVersion}}.dump(),
                         "application/json");
  });
  routes.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.Render(), "text/plain; version=0.0.4");
  });
}

}  // namespace

int RunServe(const Config& config) {
  const sigset_t signals = BlockShutdownSignals();
  Metrics metrics;
  metrics.GetGauge("iothub_build_info", "Build information", {{"version", kVersion}}).Set(1);

  hooks::DenyAllHandler handler(HookSpecs(config.hooks));
  hooks::ExhookDispatcher dispatcher(handler);
  hooks::HookMetrics hook_metrics(metrics);

  hooks::ExhookServerOptions options;
  options.listen = config.server.grpc_listen;
  options.threads = static_cast<int>(config.server.grpc_threads);
  options.max_message_bytes = static_cast<int>(config.server.grpc_max_message_bytes);
  auto grpc_server = hooks::ExhookServer::Start(options, dispatcher, hook_metrics);
  if (!grpc_server.ok()) {
    spdlog::critical("{}", grpc_server.status().ToString());
    return 1;
  }

  http::HttpServer http_server;
  RegisterOpsRoutes(http_server.routes(), metrics);
  auto http_port = http_server.Start(config.server.http_listen);
  if (!http_port.ok()) {
    spdlog::critical("{}", http_port.status().ToString());
    (*grpc_server)->Shutdown();
    return 1;
  }

  spdlog::info("iot-hub {} serving ExHook (v2 and v3) on port {} and HTTP on port {}", kVersion,
               (*grpc_server)->port(), *http_port);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  http_server.Stop();
  (*grpc_server)->Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace iothub::app
