// hook-load's command line: the options, their parsing, and the --mix weights.
#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "hook_load/vocabulary.h"

namespace hook_load {

struct Options {
  std::vector<std::string> targets;  // host:port each; see Homes for who goes where
  std::string service = "v2";
  int concurrency = 64;
  int channels = 1;
  double duration_s = 10;
  double warmup_s = 2;
  int threads = 1;
  int clients = 10000;
  int payload_bytes = 256;
  std::string mix = "authenticate=5,authorize=45,publish=40,connected=5,disconnected=5";
  std::string fixture;
  std::vector<int> server_pids;  // their CPU time is summed
  double rate = 0;               // calls/s in total; 0: as fast as the closed loop goes
  int timeout_ms = 5000;         // sent as grpc-timeout, like EMQX's request_timeout
  bool json_only = false;
  bool hostile = false;
  bool tampered_certificates = false;
  bool prime = false;
  int prime_connections = 1;
  int prefill = 0;
  bool drain = true;
  bool setup_only = false;
  std::string publish_mode = "auto";      // auto, rpc, static
  std::vector<std::string> metrics_urls;  // their values are summed
  std::string window_command;             // run with "begin" and "end" around the window
  std::vector<std::string> metrics = {"iothub_rpc_pending"};
};

// Declares every option on `app`, bound to `o`.
void AddOptions(CLI::App& app, Options& o);

// Parses "name=weight,..." into one weight per hook; unknown names are an error.
std::optional<std::array<double, kHookCount>> ParseMix(const std::string& text, std::string* error);

}  // namespace hook_load
