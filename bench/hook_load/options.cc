#include "hook_load/options.h"

#include <sstream>

namespace hook_load {

void AddOptions(CLI::App& app, Options& o) {
  app.add_option("--target", o.targets,
                 "ExHook server host:port; repeat for several hubs: users' calls go to the "
                 "first, devices' to the last (an RPC request through one, its response "
                 "through the other), other clients' spread by clientid")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--service", o.service, "ExHook service package")
      ->check(CLI::IsMember({"v2", "v3"}));
  app.add_option("--concurrency", o.concurrency, "outstanding calls")->check(CLI::Range(1, 100000));
  app.add_option("--channels", o.channels, "HTTP/2 connections")->check(CLI::Range(1, 1024));
  app.add_option("--duration-s", o.duration_s, "measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--warmup-s", o.warmup_s, "seconds of load before measuring")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", o.threads, "client completion-queue threads")
      ->check(CLI::Range(1, 256));
  app.add_option("--clients", o.clients, "distinct synthetic clients (and pool size)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--payload-bytes", o.payload_bytes, "synthetic RPC response payload size")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--mix", o.mix, "hook weights");
  app.add_option("--fixture", o.fixture, "JSON fixture of real clients, publishes, authorize")
      ->check(CLI::ExistingFile);
  app.add_option("--server-pid", o.server_pids,
                 "measure this process's CPU time (repeatable: the sum of all of them)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--timeout-ms", o.timeout_ms, "per-call deadline (EMQX request_timeout)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", o.json_only, "print only the JSON result");
  app.add_option("--rate", o.rate,
                 "at most this many calls/s in total (paced per thread; latencies then include "
                 "the pacing waits); 0: closed loop at full speed")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--hostile", o.hostile,
               "send the hostile mix derived from the fixture (unknown clients, bad tokens, "
               "denied topics, invalid RPC payloads); --prime still uses the fixture itself");
  app.add_flag("--tampered-certificates", o.tampered_certificates,
               "--hostile: unknown devices present tampered real certificates (the hub pays "
               "a CA verification for each) instead of no certificate");
  app.add_flag("--prime", o.prime,
               "first authenticate every fixture client, then connect the admitted ones");
  app.add_option("--prime-connections", o.prime_connections,
                 "client.connected calls per admitted client in --prime (keeps sessions alive "
                 "through a mix with disconnected)")
      ->check(CLI::Range(1, 8));
  app.add_option("--prefill", o.prefill,
                 "RPC requests sent once before the load and left pending (rpc mode)")
      ->check(CLI::Range(0, 10000000));
  app.add_flag("--drain,!--no-drain", o.drain,
               "answer the --prefill requests after the window (default on)");
  app.add_flag("--setup-only", o.setup_only, "stop after --prime and --prefill");
  app.add_option("--publish-mode", o.publish_mode,
                 "rpc: fresh ids, responses to passed requests; static: the fixture's "
                 "publishes as they are; auto: rpc when the fixture has request/response pairs")
      ->check(CLI::IsMember({"auto", "rpc", "static"}));
  app.add_option("--metrics-url", o.metrics_urls,
                 "scrape this Prometheus page after each phase, e.g. "
                 "http://127.0.0.1:8080/metrics (repeatable: the sums of all of them)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--window-command", o.window_command,
                 "shell command run as `COMMAND begin` and `COMMAND end` at the edges of the "
                 "measured window (e.g. to snapshot a database's counters)");
  app.add_option("--metric", o.metrics, "metrics to read from --metrics-url (repeatable)");
}

std::optional<std::array<double, kHookCount>> ParseMix(const std::string& text,
                                                       std::string* error) {
  std::array<double, kHookCount> weights{};
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const auto hook = std::find_if(kHooks.begin(), kHooks.end(),
                                   [&](const HookInfo& h) { return name == h.mix_name; });
    if (eq == std::string::npos || hook == kHooks.end()) {
      *error =
          "--mix: expected name=weight with name in authenticate, authorize, publish, "
          "connected, disconnected; got '" +
          item + "'";
      return std::nullopt;
    }
    try {
      weights[hook - kHooks.begin()] = std::stod(item.substr(eq + 1));
    } catch (const std::exception&) {
      *error = "--mix: bad weight in '" + item + "'";
      return std::nullopt;
    }
  }
  double total = 0;
  for (double w : weights) total += w < 0 ? -1e9 : w;
  if (total <= 0) {
    *error = "--mix: weights must be >= 0 with a positive sum";
    return std::nullopt;
  }
  return weights;
}

}  // namespace hook_load
