#include "app/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include "app/housekeeper.h"
#include "app/hub_handler.h"
#include "app/hub_identity.h"
#include "app/mqtt_command_sender.h"
#include "app/open_store.h"
#include "app/state_persister.h"
#include "app/version.h"
#include "app/wiring.h"
#include "auth/jwks_source.h"
#include "common/metrics.h"
#include "emqx/make_broker_notifier.h"
#include "hooks/exhook_dispatcher.h"
#include "hooks/exhook_server.h"
#include "http/console_routes.h"
#include "http/fleet_index.h"
#include "http/http_server.h"
#include "http/register_api.h"
#include "mqtt/broker_link.h"
#include "registry/acl_rule_book.h"
#include "registry/acl_rules_view.h"
#include "registry/ca_keyring.h"
#include "registry/data_layout.h"
#include "registry/fleet_view.h"
#include "registry/registry.h"
#include "store/sqlite_state_journal.h"

namespace iothub::app {
namespace {

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

void RegisterMetricsRoute(httplib::Server& routes, Metrics& metrics) {
  routes.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.Render(), "text/plain; version=0.0.4");
  });
}

// Logs a start-up failure and gives the exit status.
int Fail(std::string_view what, const absl::Status& status) {
  spdlog::critical("{}: {}", what, status.ToString());
  return 1;
}

}  // namespace

int RunServe(const Config& config) {
  const sigset_t signals = BlockShutdownSignals();
  SystemClock clock;
  Metrics metrics;
  metrics.GetGauge("iothub_build_info", "Build information", {{"version", kVersion}}).Set(1);
  LogThrottle log_throttle(MakeLogThrottleOptions(config.log), clock, metrics);
  const std::filesystem::path data_dir = config.server.data_dir;

  // Persistence, identity and the hot-path snapshot.
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("store", store.status());
  spdlog::info("store: {}", DescribeStore(config));
  // Hubs sharing a database must share one CA: none of them makes its own.
  auto cas = registry::CaKeyring::Open(data_dir, CaKeyType(config.ca), clock.NowUnixMillis(),
                                       /*create_if_missing=*/!StoreIsShared(config));
  if (!cas.ok()) {
    return Fail(StoreIsShared(config)
                    ? "cannot load the certificate authority (with a shared PostgreSQL store, "
                      "create it once with `iot-hub ca init` and give every hub the same "
                      "<data_dir>/ca)"
                    : "cannot load the certificate authority",
                cas.status());
  }
  registry::FleetView fleet(**store);
  registry::Registry registry(**store, **cas, clock, config.plans, [&fleet] { fleet.Notify(); });
  if (auto status = fleet.Start(); !status.ok()) return Fail("cannot load the registry", status);

  // Authentication, authorization and the RPC pipeline.
  auto jwt = MakeJwtVerifier(config.jwt, clock);
  if (!jwt.ok()) return Fail("cannot set up JWT verification", jwt.status());
  auto acl_rules = MakeAclRules(config.acl);
  if (!acl_rules.ok()) return Fail("invalid [acl] rules", acl_rules.status());
  auth::DeviceAuthOptions device_options;
  device_options.require_clientid_match = config.auth.require_clientid_match;
  device_options.certificate_ports = config.auth.certificate_ports;
  std::optional<HubIdentity> identity;
  if (config.mqtt.enabled && config.mqtt.cert_file.empty()) {
    auto made = EnsureHubIdentity(data_dir, *(*cas)->set(), clock.NowUnixMillis());
    if (!made.ok()) return Fail("cannot issue the hub's client certificate", made.status());
    identity = *made;
    device_options.hub_fingerprint = identity->fingerprint;
  }
  auth::DeviceAuthenticator devices((*cas)->cell(), device_options);
  auth::TokenAuthenticator tokens(jwt->verifier.get());
  // Access rules: the configured ones, then the database's, reloaded when they change.
  registry::AclRulesView* rules_view = nullptr;  // set below; the book's writes reload it
  registry::AclRuleBook acl_book(**store, clock, std::move(*acl_rules), [&rules_view] {
    rules_view->Reload().IgnoreError();  // a failure is logged; Refresh retries
  });
  registry::AclRulesView acl(acl_book, **store);
  rules_view = &acl;
  if (auto status = acl.Reload(); !status.ok()) return Fail("cannot load the access rules", status);
  auto shared = MakeSharedState(config, metrics);
  if (!shared.ok()) return Fail("invalid [cluster] settings", shared.status());
  if (shared->state != nullptr) {
    spdlog::info("cluster: sessions, pending RPC requests, rate limits and presence shared in {}",
                 cluster::RedactRedisUrl(config.cluster.redis_url));
  }
  // With shared state, this hub's devices going online or offline are published to it.
  rpc::Presence presence(16, /*track_changes=*/shared->state != nullptr);
  // Local sessions are journaled (the table tracks its changes); shared ones live in Redis.
  auth::SessionTable session_table(/*track_changes=*/shared->state == nullptr);
  Sessions session_setup = MakeSessions(*shared, session_table, presence, clock, metrics);
  auth::SessionDirectory& sessions = *session_setup.sessions;
  if (session_setup.shared != nullptr) {
    session_setup.shared->Start();
    if (auto restored = session_setup.shared->RestorePresence(); restored.ok()) {
      spdlog::info("cluster: {} device connections of this hub (before a restart) counted again",
                   *restored);
    } else {  // they count once the devices reconnect
      spdlog::warn("cluster: cannot read this hub's device connections from Redis: {}",
                   restored.status().ToString());
    }
  }
  rpc::RpcConfig rpc_config = MakeRpcConfig(config);
  rpc_config.pending.track_changes = true;
  std::unique_ptr<rpc::RpcPipeline> rpc_owner =
      shared->state != nullptr
          ? std::make_unique<rpc::RpcPipeline>(std::move(rpc_config), presence, *shared->state,
                                               metrics)
          : std::make_unique<rpc::RpcPipeline>(std::move(rpc_config), presence, metrics);
  rpc::RpcPipeline& rpc = *rpc_owner;

  // Sessions and pending requests of the previous process, before any hook is served.
  auto journal = store::SqliteStateJournal::Open(registry::StateJournalPath(data_dir).string());
  if (!journal.ok()) return Fail("cannot open the state journal", journal.status());
  StatePersister persister({.journal = **journal,
                            .sessions = session_setup.local ? &session_table : nullptr,
                            .rpc = rpc,
                            .presence = presence,
                            .fleet = fleet,
                            .clock = clock});
  auto restored = persister.Restore();
  if (!restored.ok()) return Fail("cannot read the state journal", restored.status());
  spdlog::info(
      "restored {} sessions and {} pending RPC requests from the last run ({} and {} left out: "
      "no longer valid or unreadable)",
      restored->sessions, restored->pending, restored->sessions_dropped, restored->pending_dropped);

  // The broker side: EMQX's REST API and the hub's own MQTT link.
  auto broker_admin = emqx::MakeBrokerNotifier(MakeBrokerAdminOptions(config.emqx), &metrics);
  if (!broker_admin.ok()) return Fail("invalid [emqx] settings", broker_admin.status());
  std::unique_ptr<mqtt::BrokerLink> link;
  std::unique_ptr<mqtt::CommandService> commands;
  std::unique_ptr<MqttCommandSender> command_sender;
  if (config.mqtt.enabled) {
    auto made =
        mqtt::BrokerLink::Create(MakeBrokerLinkOptions(config.mqtt, identity, data_dir), metrics);
    if (!made.ok()) return Fail("invalid [mqtt] settings", made.status());
    link = std::move(*made);
    commands = std::make_unique<mqtt::CommandService>(*link, clock, metrics);
    command_sender = std::make_unique<MqttCommandSender>(*commands);
    link->Start([&commands](std::string_view topic, std::string_view payload) {
      commands->OnMessage(topic, payload);
    });
  }
  // Renewals are answered through the link: without one they are dropped.
  RenewalWorker renewals(registry.renewal(), link.get(), metrics, log_throttle, clock,
                         MakeRenewalOptions(config.ca));
  renewals.Start();
  HubHandler handler({.hooks = HookSpecs(config.hooks),
                      .fleet = fleet,
                      .devices = devices,
                      .tokens = tokens,
                      .acl = acl,
                      .sessions = sessions,
                      .rpc = rpc,
                      .presence = presence,
                      .log_throttle = log_throttle,
                      .clock = clock,
                      .renewals = &renewals});
  hooks::ExhookDispatcher dispatcher(handler);
  hooks::HookMetrics hook_metrics(metrics);

  CertificateWatch certificate_watch(
      {.cas = **cas,
       .files = {{.kind = "hub_client",
                  .id = std::string(kHubPrincipalId),
                  .file = identity ? identity->cert_file : config.mqtt.cert_file}},
       .issued_server_dir = registry::IssuedServerDirectory(data_dir),
       .metrics = metrics,
       .clock = clock});
  Housekeeper housekeeper({.rpc = rpc,
                           .shared_state = shared->state.get(),
                           .shared_sessions = session_setup.shared.get(),
                           .persister = &persister,
                           .presence = presence,
                           .store = **store,
                           .fleet = fleet,
                           .acl_rules = acl,
                           .broker = **broker_admin,
                           .commands = commands.get(),
                           .log_throttle = log_throttle,
                           .certificates = &certificate_watch,
                           .clock = clock,
                           .metrics = &metrics});
  housekeeper.Start();

  // The servers.
  auto grpc_server =
      hooks::ExhookServer::Start(MakeExhookOptions(config.server), dispatcher, hook_metrics);
  if (!grpc_server.ok()) return Fail("cannot start the ExHook server", grpc_server.status());
  std::function<bool()> link_up;  // empty without a link: /api/health leaves it out
  if (link) link_up = [raw = link.get()] { return raw->connected(); };
  std::function<absl::Status()> shared_state_health;  // empty without Redis
  if (shared->redis != nullptr) {
    shared_state_health = [raw = shared->redis.get(), directory = session_setup.shared.get()] {
      if (!raw->up()) return absl::UnavailableError(raw->last_error());
      if (!directory->following()) {
        return absl::UnavailableError("redis: the session invalidation channel is down");
      }
      return absl::OkStatus();
    };
  }
  http::HttpServer http_server(MakeHttpServerOptions(config.http));
  const acl::AclExplainer explainer(
      [&acl] { return acl.policy(); }, [&fleet] { return fleet.snapshot(); },
      [&sessions](std::string_view clientid) {
        auto principal = sessions.Find(clientid);  // unreadable: as unknown
        return principal.ok() ? *principal : nullptr;
      });
  http::FleetIndex fleet_index([&fleet] { return fleet.snapshot(); });
  // Online: this hub's connection, or (shared state) another hub's; an error of the
  // shared store reads as offline -- the console only shows it.
  auto device_online = [&presence, state = shared->state.get()](std::string_view id) {
    if (presence.IsOnline(id)) return true;
    if (state == nullptr) return false;
    absl::StatusOr<bool> elsewhere = state->IsOnlineElsewhere(id);
    return elsewhere.ok() && *elsewhere;
  };
  http::ApiContext api{.registry = registry,
                       .jwt_verifier = jwt->verifier.get(),
                       .command_sender = command_sender.get(),
                       .broker_link_up = link_up,
                       .shared_state_health = shared_state_health,
                       .clock = clock,
                       .metrics = metrics,
                       .log_throttle = &log_throttle,
                       .acl_explainer = &explainer,
                       .acl_rules = &acl_book,
                       .fleet = &fleet_index,
                       .device_online = device_online,
                       .online_devices = [&presence] { return presence.OnlineDevices(); },
                       .ca_key_type = CaKeyType(config.ca),
                       .options = MakeApiOptions(config.http)};
  http::RegisterApi(http_server.routes(), api);
  http::RegisterConsole(http_server.routes());
  RegisterMetricsRoute(http_server.routes(), metrics);
  auto http_port = http_server.Start(config.server.http_listen);
  if (!http_port.ok()) {
    (*grpc_server)->Shutdown();
    return Fail("cannot start the HTTP server", http_port.status());
  }

  spdlog::info("iot-hub {} serving ExHook (v2 and v3) on port {} and HTTP on port {}", kVersion,
               (*grpc_server)->port(), *http_port);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}, shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  http_server.Stop();
  (*grpc_server)->Shutdown();
  housekeeper.Stop();
  renewals.Stop();
  if (session_setup.shared != nullptr) session_setup.shared->Stop();
  if (link) link->Stop();
  fleet.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace iothub::app
