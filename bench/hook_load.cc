// hook-load: a closed-loop load generator of ExHook calls, standing in for EMQX.
//
// It sends OnProviderLoaded once (and checks the answer parses), then keeps
// --concurrency unary calls outstanding over --channels HTTP/2 connections: each
// completion issues the next call at once. The hooks are drawn from --mix; every request
// is serialized before the run (a pool per hook with distinct client ids and message
// ids), so the client's own cost per call is little more than gRPC's. Latencies are
// recorded per client thread and merged at the end; the calls counted are those that
// complete inside the measured window (after --warmup-s, for --duration-s).
//
// With --server-pid, the server's CPU time over the window (/proc/PID/stat) is divided by
// the calls: the figure least disturbed by other load on a shared machine; the server's
// resident memory (VmRSS) is also sampled at each phase below.
//
// Several --target servers (hubs of one cluster) share the load the way EMQX nodes
// would: each client's calls go to its home target (Homes in homes.h), so an RPC request
// and its response cross from one hub to the other. Each --server-pid and
// --metrics-url then counts as the sum over the hubs; --window-command lets a script
// snapshot shared servers (Redis, PostgreSQL) at the window's edges.
//
// Phases, in order (each optional but the load):
//  1. --prime: client.authenticate once for every fixture client, then client.connected
//     (--prime-connections times) for those admitted, as EMQX does when they connect: a
//     server that keeps sessions (the hub) only authorizes and routes RPC for clients it
//     admitted and saw connect. Reports how many were admitted.
//  2. --prefill N: N RPC requests with fresh ids, spread over the fixture's
//     (user, device) pairs, sent once and left unanswered: the server then holds about N
//     pending requests during the window. --drain (default on) answers them, and the
//     loop's requests still unanswered, after the window, so that the next run starts
//     from the same state (nothing left to time out).
//  3. warm-up and the measured window (the closed loop).
// --metrics-url http://H:P/metrics scrapes the --metric gauges (default
// iothub_rpc_pending) after each phase; --setup-only stops after phase 2.
//
// Publishes: in rpc mode (--publish-mode rpc, or auto with a --fixture whose requests
// have matching responses) each message.publish is built at call time from the fixture's
// (request, response) pairs with a fresh request id and Message.id: requests and
// responses alternate, and a response is sent only for a request the server let through.
// Ids are unique per run (a random nonce), so no call is a duplicate, a dedupe-cache hit
// or a reply to an already answered request. Static mode cycles the pre-serialized
// fixture publishes as they are (ids repeat once the pool wraps).
//
// --hostile: the load is what unknown or misbehaving clients send, derived from the
// fixture (HostileFixture in fixture.h): unknown devices and bad tokens authenticating,
// clientids without a session and denied topics authorizing, invalid RPC payloads. The
// hub must refuse all of it about as fast as the baseline answers, and log it boundedly.
//
//
// The parts: options.h (command line), fixture.h (who connects; the hostile mix), homes.h
// (which target each client's calls go to), requests.h (requests as EMQX builds them),
// worker.h (the closed loop), calls.h (set-up passes), report.h (measurements and
// percentiles).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "hook_load/calls.h"
#include "hook_load/fixture.h"
#include "hook_load/homes.h"
#include "hook_load/options.h"
#include "hook_load/report.h"
#include "hook_load/requests.h"
#include "hook_load/worker.h"

using namespace hook_load;  // NOLINT: the program's own namespace

int main(int argc, char** argv) {
  CLI::App app{"Closed-loop load generator of EMQX ExHook calls"};
  Options o;
  AddOptions(app, o);
  CLI11_PARSE(app, argc, argv);

  std::string error;
  const auto weights = ParseMix(o.mix, &error);
  if (!weights) {
    std::cerr << "hook-load: " << error << "\n";
    return 2;
  }
  std::optional<Fixture> fixture;
  if (o.fixture.empty()) {
    fixture = SyntheticFixture(o.clients, o.payload_bytes);
  } else if (!(fixture = LoadFixture(o.fixture, &error))) {
    std::cerr << "hook-load: " << error << "\n";
    return 2;
  }
  // The calls of the load: the fixture's, or the hostile mix derived from it.
  const Fixture load_fixture =
      o.hostile ? HostileFixture(*fixture, o.tampered_certificates) : *fixture;
  const UsernameOf username_of = UsernamesOf(*fixture);
  if (o.targets.size() > kMaxTargets) {
    std::cerr << "hook-load: at most " << kMaxTargets << " --target servers\n";
    return 2;
  }
  const Homes homes(*fixture, o.targets.size());
  std::unique_ptr<RpcTemplates> rpc;
  // auto: rpc mode for a --fixture file with request/response pairs; the synthetic
  // fixture (no sessions behind it) keeps the static pool.
  if (o.hostile && (o.publish_mode == "rpc" || o.prefill > 0)) {
    std::cerr << "hook-load: --hostile sends static publishes (no --publish-mode rpc, no "
                 "--prefill)\n";
    return 2;
  }
  if (!o.hostile && (o.publish_mode == "rpc" || (o.publish_mode == "auto" && !o.fixture.empty()))) {
    rpc = std::make_unique<RpcTemplates>(*fixture, username_of, homes);
    if (rpc->size() == 0) {
      if (o.publish_mode == "rpc" || o.prefill > 0) {
        std::cerr << "hook-load: " << (o.prefill > 0 ? "--prefill" : "--publish-mode rpc")
                  << " needs fixture publishes with RPC requests and their responses (same "
                     "topic prefix and id)\n";
        return 2;
      }
      rpc.reset();
    }
  } else if (o.prefill > 0) {
    std::cerr << "hook-load: --prefill needs rpc mode (and a --fixture)\n";
    return 2;
  }
  // Unique per run: request ids and message ids never repeat across runs.
  char nonce_text[9];
  std::snprintf(nonce_text, sizeof(nonce_text), "%08x", std::random_device{}());
  const std::string nonce = nonce_text;

  const size_t pool_size = std::min<size_t>(static_cast<size_t>(o.clients), 100000);
  const Pools pools =
      BuildPools(load_fixture, homes, *weights, pool_size, o.payload_bytes, rpc == nullptr);
  const std::vector<uint8_t> schedule = BuildSchedule(*weights);
  const std::string prefix = "/emqx.exhook." + o.service + ".HookProvider/";
  std::array<std::string, kHookCount> methods;  // must outlive the calls (held by pointer)
  for (int h = 0; h < kHookCount; ++h) methods[h] = prefix + kHooks[h].rpc;

  std::string error_text;
  const std::optional<Stubs> stubs = ConnectTargets(o.targets, o.channels, &error_text);
  std::optional<pb::LoadedResponse> loaded;
  if (stubs) loaded = LoadProvider(*stubs, o.targets, prefix, &error_text);
  if (!loaded) {
    std::cerr << "hook-load: " << error_text << "\n";
    return 1;
  }
  json provider_hooks = json::object();
  for (const pb::HookSpec& spec : loaded->hooks()) {
    provider_hooks[spec.name()] =
        std::vector<std::string>(spec.topics().begin(), spec.topics().end());
  }
  // Warn when the mix sends what EMQX would not: an unregistered hook, or publishes
  // outside the provider's message.publish filters.
  for (int h = 0; h < kHookCount; ++h) {
    if ((*weights)[h] > 0 && !provider_hooks.contains(kHooks[h].name)) {
      std::cerr << "hook-load: warning: the provider does not register " << kHooks[h].name
                << "; EMQX would not call it\n";
    }
  }
  if ((*weights)[kPublish] > 0 && provider_hooks.contains("message.publish") &&
      !provider_hooks["message.publish"].empty()) {
    const auto filters = provider_hooks["message.publish"].get<std::vector<std::string>>();
    size_t outside = 0;
    for (const Fixture::Publish& p : load_fixture.publish) {
      if (std::none_of(filters.begin(), filters.end(),
                       [&](const std::string& f) { return TopicMatches(f, p.topic); })) {
        ++outside;
      }
    }
    if (outside > 0 || load_fixture.publish.empty()) {
      std::cerr << "hook-load: warning: "
                << (load_fixture.publish.empty() ? "all" : std::to_string(outside))
                << " publish topics are outside the provider's message.publish filters\n";
    }
  }

  // ---- Set-up phases ----
  const std::chrono::milliseconds timeout(o.timeout_ms);
  json rss_kb = json::object();
  json server_metrics = json::object();
  auto sample = [&](const char* phase) {
    long rss_sum = 0;
    size_t rss_read = 0;
    for (int pid : o.server_pids) {
      if (auto rss = ProcessRssKb(pid)) rss_sum += *rss, ++rss_read;
    }
    if (rss_read > 0 && rss_read == o.server_pids.size()) rss_kb[phase] = rss_sum;
    if (!o.metrics_urls.empty()) {
      server_metrics[phase] = ScrapeMetrics(o.metrics_urls, o.metrics);
    }
  };
  auto seconds_since = [](Clock::time_point t) {
    return Round(std::chrono::duration<double>(Clock::now() - t).count(), 3);
  };
  sample("start");

  json prime = nullptr;
  if (o.prime) {
    const Clock::time_point t0 = Clock::now();
    std::vector<std::string> requests;
    std::vector<uint8_t> targets;
    for (size_t i = 0; i < fixture->clients.size(); ++i) {
      const Fixture::Client& c = fixture->clients[i];
      targets.push_back(homes.Of(c.clientid));
      pb::ClientAuthenticateRequest request;
      FillClientInfo(c.clientid, c.username, i, request.mutable_clientinfo(), c.cn, c.dn);
      request.mutable_clientinfo()->set_password(c.password);
      request.set_result(false);
      FillMeta(request.mutable_meta());
      requests.push_back(request.SerializeAsString());
    }
    const auto answers = RunOnce(*stubs, prefix + kHooks[kAuthenticate].rpc, requests, targets,
                                 true, o.concurrency, timeout);
    json by_kind = json::object();
    std::vector<std::string> connect;
    std::vector<uint8_t> connect_targets;
    std::vector<std::string> refused_ids;
    size_t admitted = 0, errors = 0;
    for (size_t i = 0; i < answers.size(); ++i) {
      const Fixture::Client& c = fixture->clients[i];
      json& kind = by_kind[c.kind];
      if (kind.is_null()) kind = {{"clients", 0}, {"admitted", 0}};
      kind["clients"] = kind["clients"].get<int>() + 1;
      const auto& valued = answers[i].valued;
      const bool ok = answers[i].code == grpc::StatusCode::OK;
      const bool admit = ok && valued && valued->value_case() == pb::ValuedResponse::kBoolResult &&
                         valued->bool_result();
      if (!ok) ++errors;
      if (!admit) {
        if (ok && refused_ids.size() < 5) refused_ids.push_back(c.clientid);
        continue;
      }
      ++admitted;
      kind["admitted"] = kind["admitted"].get<int>() + 1;
      pb::ClientConnectedRequest request;
      FillClientInfo(c.clientid, c.username, i, request.mutable_clientinfo());
      FillMeta(request.mutable_meta());
      connect.push_back(request.SerializeAsString());
      connect_targets.push_back(targets[i]);
    }
    std::vector<std::string> connected_requests;
    std::vector<uint8_t> connected_targets;
    for (int r = 0; r < o.prime_connections; ++r) {
      connected_requests.insert(connected_requests.end(), connect.begin(), connect.end());
      connected_targets.insert(connected_targets.end(), connect_targets.begin(),
                               connect_targets.end());
    }
    const auto connected = RunOnce(*stubs, prefix + kHooks[kConnected].rpc, connected_requests,
                                   connected_targets, false, o.concurrency, timeout);
    const size_t connected_errors =
        std::count_if(connected.begin(), connected.end(),
                      [](const OnceResult& r) { return r.code != grpc::StatusCode::OK; });
    const size_t refused = fixture->clients.size() - admitted - errors;
    prime = {{"clients", fixture->clients.size()},
             {"admitted", admitted},
             {"refused", refused},
             {"errors", errors},
             {"by_kind", by_kind},
             {"connected_calls", connected_requests.size()},
             {"connected_errors", connected_errors},
             {"seconds", seconds_since(t0)}};
    if (refused > 0) prime["refused_examples"] = refused_ids;
    if (refused + errors + connected_errors > 0) {
      std::cerr << "hook-load: warning: prime admitted " << admitted << " of "
                << fixture->clients.size() << " clients (" << refused << " refused, " << errors
                << " errors, " << connected_errors << " connected errors)\n";
    } else if (!o.json_only) {
      std::cerr << "hook-load: prime admitted all " << admitted << " clients\n";
    }
    sample("after_prime");
  }

  // Prefill: requests left pending; their (pair, id) are kept for the drain.
  json prefill = nullptr;
  std::vector<std::pair<size_t, std::string>> prefilled;
  const uint64_t prefill_high = (std::hash<std::string>{}(nonce) << 8) ^ 0xFFu;
  auto publish_once = [&](const std::vector<std::pair<size_t, std::string>>& items, bool response,
                          uint64_t counter_base,
                          std::vector<std::pair<size_t, std::string>>* passed) {
    const Clock::time_point t0 = Clock::now();
    std::vector<std::string> requests;
    std::vector<uint8_t> targets;
    requests.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      requests.push_back(rpc->Build(items[i].first, response, items[i].second,
                                    MessageId(prefill_high, counter_base + i), NowMs()));
      targets.push_back(rpc->target(items[i].first, response));
    }
    const auto answers = RunOnce(*stubs, prefix + kHooks[kPublish].rpc, requests, targets, true,
                                 o.concurrency, timeout);
    std::array<size_t, kPublishAnswerCount> counts{};
    size_t errors = 0;
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].valued) {
        ++errors;
        continue;
      }
      const PublishAnswer answer =
          ClassifyPublish(*answers[i].valued, rpc->topic(items[i].first, response));
      ++counts[answer];
      if (answer == kPassed && passed != nullptr) passed->push_back(items[i]);
    }
    json out = {{response ? "responses" : "requests", items.size()}, {"errors", errors}};
    for (int a = 0; a < kPublishAnswerCount; ++a) out[kPublishAnswerNames[a]] = counts[a];
    out["seconds"] = seconds_since(t0);
    return out;
  };
  if (o.prefill > 0) {
    std::vector<std::pair<size_t, std::string>> items;
    for (int i = 0; i < o.prefill; ++i) {
      items.emplace_back(static_cast<size_t>(i) % rpc->size(),
                         RequestId(nonce, 0xFFFFu, static_cast<uint64_t>(i)));
    }
    prefill = publish_once(items, false, 0, &prefilled);
    if (prefilled.size() < items.size()) {
      std::cerr << "hook-load: warning: the server let " << prefilled.size() << " of "
                << items.size() << " prefill requests through: " << prefill.dump() << "\n";
    }
    sample("after_prefill");
  }

  std::string target_list;
  for (const std::string& t : o.targets) target_list += (target_list.empty() ? "" : ",") + t;
  json result_base = {{"target", target_list},
                      {"service", o.service},
                      {"publish_mode", rpc ? "rpc" : "static"},
                      {"rpc_pairs", rpc ? rpc->size() : 0},
                      {"prime", prime},
                      {"prefill", prefill}};
  auto add_samples = [&](json& result) {
    if (!rss_kb.empty()) result["server_rss_kb"] = rss_kb;
    if (!server_metrics.empty()) result["server_metrics"] = server_metrics;
  };
  if (o.setup_only) {
    add_samples(result_base);
    std::cout << (o.json_only ? result_base.dump() : result_base.dump(2)) << std::endl;
    return 0;
  }

  // Spread the calls over threads and channels (call i: thread i % T, channel i % C).
  const LoadPlan plan{.schedule = schedule,
                      .pools = pools,
                      .stubs = *stubs,
                      .rpc = rpc.get(),
                      .nonce = nonce,
                      .methods = methods,
                      .timeout = timeout,
                      .interval = o.rate > 0
                                      ? std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(o.threads / o.rate))
                                      : Clock::duration::zero()};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < o.threads; ++t) {
    workers.push_back(std::make_unique<Worker>(t, o.threads, plan));
  }
  for (int i = 0; i < o.concurrency; ++i) {
    workers[i % o.threads]->AddCall(static_cast<size_t>(i % o.channels));
  }

  const Clock::time_point start = Clock::now();
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point begin = start + to_duration(o.warmup_s);
  const Clock::time_point end = begin + to_duration(o.duration_s);
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&worker, begin, end] { worker->Run(begin, end); });
  }
  // The servers' CPU time summed (null when one cannot be read).
  auto servers_cpu_us = [&]() -> std::optional<double> {
    double sum = 0;
    for (int pid : o.server_pids) {
      const auto cpu = ProcessCpuUs(std::to_string(pid));
      if (!cpu) return std::nullopt;
      sum += *cpu;
    }
    return sum;
  };
  auto window_command = [&](const char* edge) {
    if (o.window_command.empty()) return;
    const std::string command = o.window_command + " " + edge;
    if (std::system(command.c_str()) != 0) {
      std::cerr << "hook-load: warning: `" << command << "` failed\n";
    }
  };
  std::this_thread::sleep_until(begin);
  window_command("begin");
  const auto server_cpu_0 = servers_cpu_us();
  const auto client_cpu_0 = ProcessCpuUs("self");
  const Clock::time_point measured_0 = Clock::now();
  std::this_thread::sleep_until(end);
  const auto server_cpu_1 = servers_cpu_us();
  const auto client_cpu_1 = ProcessCpuUs("self");
  const double measured_s = std::chrono::duration<double>(Clock::now() - measured_0).count();
  window_command("end");
  for (std::thread& thread : threads) thread.join();
  sample("window_end");

  // The drain answers the prefill and the requests of the loop still unanswered.
  json drain = nullptr;
  if (rpc && o.drain) {
    for (auto& worker : workers) {
      for (auto& reply : worker->unanswered()) prefilled.push_back(std::move(reply));
    }
    if (!prefilled.empty()) {
      drain = publish_once(prefilled, true, 1ull << 40, nullptr);
      sample("after_drain");
    }
  }

  // Merge and report.
  std::vector<const ThreadStats*> stats;
  for (auto& worker : workers) stats.push_back(&worker->stats());
  const MergedStats merged = MergeStats(stats, *weights, o.duration_s);
  const uint64_t calls = merged.calls, errors = merged.errors;
  json calls_by_target = json::array();
  for (size_t t = 0; t < o.targets.size(); ++t) {
    uint64_t n = 0;
    for (const ThreadStats* thread : stats) n += thread->calls_by_target[t];
    calls_by_target.push_back(n);
  }

  json result = {{"target", target_list},
                 {"calls_by_target", calls_by_target},
                 {"service", o.service},
                 {"concurrency", o.concurrency},
                 {"channels", o.channels},
                 {"threads", o.threads},
                 {"duration_s", o.duration_s},
                 {"warmup_s", o.warmup_s},
                 {"mix", o.mix},
                 {"hostile", o.hostile},
                 {"rate", o.rate},
                 {"fixture", o.fixture.empty() ? json(nullptr) : json(o.fixture)},
                 {"calls", calls},
                 {"calls_per_s", Round(calls / o.duration_s, 1)},
                 {"errors", errors},
                 {"errors_by_code", merged.errors_by_code},
                 {"hooks", merged.hooks},
                 {"all", merged.all},
                 {"provider_hooks", provider_hooks}};
  for (const char* key : {"publish_mode", "rpc_pairs", "prime", "prefill"}) {
    result[key] = result_base[key];
  }
  result["drain"] = drain;
  add_samples(result);
  if (client_cpu_0 && client_cpu_1 && calls > 0) {
    result["client_cpu_us_per_call"] = Round((*client_cpu_1 - *client_cpu_0) / calls, 2);
  }
  if (!o.server_pids.empty()) {
    if (server_cpu_0 && server_cpu_1 && calls > 0) {
      const double cpu_us = *server_cpu_1 - *server_cpu_0;
      result["server_pid"] =
          o.server_pids.size() == 1 ? json(o.server_pids[0]) : json(o.server_pids);
      result["server_cpu_us_per_call"] = Round(cpu_us / calls, 2);
      result["server_cpu_cores"] = Round(cpu_us / 1e6 / measured_s, 3);
    } else {
      std::cerr << "hook-load: warning: cannot read a --server-pid's /proc/PID/stat\n";
    }
  }

  if (o.json_only) {
    std::cout << result.dump() << "\n";
  } else {
    std::cout << result.dump(2) << std::endl;
    std::cerr << "hook-load: " << calls << " calls in " << o.duration_s << " s ("
              << result["calls_per_s"] << "/s), " << errors << " errors, p50 "
              << result["all"].value("p50_us", 0.0) << " us, p99 "
              << result["all"].value("p99_us", 0.0) << " us\n";
  }
  return 0;
}
