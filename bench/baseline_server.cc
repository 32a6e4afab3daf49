// baseline-server: a do-nothing ExHook server on the hub's own transport. Every rpc gets
// the cheapest valid reply (authenticate/authorize: STOP_AND_RETURN true; publish:
// IGNORE; the rest: EmptySuccess), so hub/baseline isolates what the hub's logic costs.
//
//   baseline-server --listen 127.0.0.1:0   (prints "listening on PORT", runs until SIGTERM)
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/metrics.h"
#include "hooks/exhook_server.h"
#include "hooks/exhook_service.h"

namespace {

using namespace iothub::hooks;

class DoNothingService final : public ExhookService {
 public:
#define IOTHUB_BASELINE_HANDLE(name, req, resp, hook)                                  \
  grpc::Status Handle(const pb::req&, pb::resp* response, Outcome* outcome) override { \
    *outcome = Outcome::kOk;                                                           \
    Answer(Rpc::k##name, response);                                                    \
    return grpc::Status::OK;                                                           \
  }
  IOTHUB_EXHOOK_RPCS(IOTHUB_BASELINE_HANDLE)
#undef IOTHUB_BASELINE_HANDLE

 private:
  static void Answer(Rpc, pb::EmptySuccess*) {}
  static void Answer(Rpc, pb::LoadedResponse* response) {
    for (const char* hook : {"client.authenticate", "client.authorize", "client.connected",
                             "client.disconnected", "message.publish"}) {
      response->add_hooks()->set_name(hook);
    }
  }
  // Authenticate/authorize: admit. Publish: IGNORE with no message (EMQX keeps it as is).
  static void Answer(Rpc rpc, pb::ValuedResponse* response) {
    if (rpc == Rpc::kOnMessagePublish) {
      response->set_type(pb::ValuedResponse::IGNORE);
      return;
    }
    response->set_type(pb::ValuedResponse::STOP_AND_RETURN);
    response->set_bool_result(true);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Do-nothing ExHook server: the benchmark's baseline"};
  ExhookServerOptions options;
  app.add_option("--listen", options.listen, "host:port (port 0 = any free port)");
  app.add_option("--threads", options.threads, "completion queues (0 = cores)");
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  iothub::Metrics metrics;
  HookMetrics hook_metrics(metrics);
  DoNothingService service;
  auto server = ExhookServer::Start(options, service, hook_metrics);
  if (!server.ok()) {
    std::cerr << server.status().ToString() << "\n";
    return 1;
  }
  std::cout << "listening on " << (*server)->port() << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  (*server)->Shutdown();
  return 0;
}
