// device-sim: a simulated iot-hub device for tests and demos. See simulator.h.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>

#include "model/claim_code_text.h"
#include "simulator.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  iothub::device_sim::SimOptions options;
  CLI::App app{"device-sim: a simulated iot-hub device (MQTT RPC, status, telemetry)"};
  app.add_option("--host", options.host, "broker host");
  app.add_option("--port", options.port, "broker port");
  app.add_option("--cafile", options.cafile, "CA certificate (PEM); enables TLS");
  app.add_option("--cert", options.cert, "client certificate (PEM)");
  app.add_option("--key", options.key, "client key (PEM)");
  app.add_option("--username", options.username, "MQTT username (optional)");
  app.add_option("--password", options.password, "MQTT password (optional)");
  app.add_option("--device-id", options.device_id, "device id (also the client id)")
      ->required()
      ->check([](const std::string& id) -> std::string {
        if (id.empty() || id.size() > 64) return "1-64 characters";
        for (char c : id) {
          if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
            return "only [A-Za-z0-9_-]";
          }
        }
        return "";
      });
  app.add_option("--user-id", options.user_id, "owner id; learned from requests when absent");
  app.add_option("--keepalive", options.keepalive_s, "MQTT keepalive seconds");
  app.add_option("--telemetry-interval-ms", options.telemetry_interval_ms, "0 = off");
  app.add_option("--reply-delay-ms", options.reply_delay_ms, "answer this late");
  app.add_flag("--reply-twice", options.reply_twice, "send every response twice");
  app.add_flag("--wrong-id", options.wrong_id, "answer with a different id");
  app.add_flag("--no-reply", options.no_reply, "never answer");
  app.add_option("--exit-after", options.exit_after, "exit after answering N requests");
  app.add_option("--renew-within-days", options.renew_within_days,
                 "renew the certificate over MQTT when it ends within this many days (needs "
                 "--cert and --key, which are overwritten); 0 = never");
  std::string claim_code;
  app.add_option("--claim-code", claim_code,
                 "this device's claim code (from `iot-hub device create`); the claim URI "
                 "for its label is printed at start");
  bool once = false;
  app.add_flag("--once", once, "same as --exit-after 1");
  CLI11_PARSE(app, argc, argv);
  if (once) options.exit_after = 1;
  if (options.cert.empty() != options.key.empty()) {
    std::fprintf(stderr, "device-sim: --cert and --key go together\n");
    return 2;
  }
  if (!claim_code.empty()) {
    // What a label would carry; a person scans it to claim the device.
    absl::StatusOr<std::string> canonical = iothub::NormalizeClaimCode(claim_code);
    if (!canonical.ok()) {
      std::fprintf(stderr, "device-sim: --claim-code: %s\n",
                   std::string(canonical.status().message()).c_str());
      return 2;
    }
    std::printf("claim: %s\n", iothub::ClaimUri(options.device_id, *canonical).c_str());
    std::fflush(stdout);
  }

  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  iothub::device_sim::Simulator simulator(options);
  return simulator.Run(g_stop);
}
