// hook-load's fixture: who connects and what they publish -- a --fixture file of real
// clients, a synthetic fleet, or the hostile mix derived from either.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hook_load {

// The input the requests are built from: a --fixture file (real devices and users of the
// hub), or a synthetic one.
struct Fixture {
  struct Client {
    std::string clientid, username, password, kind;
    std::string cn, dn;  // devices: their certificate's subject, as EMQX sends it
  };
  struct Publish {
    std::string topic, payload, from;
  };
  struct Authorize {
    std::string clientid, username, topic;
    bool subscribe = false;
  };
  std::vector<Client> clients;
  std::vector<Publish> publish;
  std::vector<Authorize> authorize;
};

// `prefix` + 'x' padding + `suffix`, `bytes` long (or longer when they do not fit).
std::string Padded(std::string prefix, const std::string& suffix, int bytes);

// Synthetic clients: device bench-client-<i> owns users/u<i>/devices/d<i>; the app user
// bench-user-<i> sends it RPC requests. Only RPC topics are published, because those are
// the only ones the hub's message.publish filters let EMQX send; telemetry appears in
// authorize. --payload-bytes sizes the RPC responses (requests are a fixed small shape).
Fixture SyntheticFixture(int clients, int payload_bytes);

// The hostile mix (--hostile): what clients the hub does not know, or does not allow,
// keep sending, derived from `real` so that the baseline gets the same calls:
//  - authenticate, connected, disconnected: clients the hub never admitted -- every
//    other one a login with a username and password and no certificate (or, with
//    `tampered_certificates`, a real device certificate with its signature tampered,
//    which the hub verifies against its CA to name the reason; EMQX's TLS would refuse
//    such a certificate before the hub sees it), the rest "jwt" logins whose token's
//    signature does not verify;
//  - authorize: every other one a clientid that never connected, the rest the real
//    clients on topics outside their own tree;
//  - publish: the real RPC requests with payloads that are no valid JSON-RPC request
//    (the hub answers them at once with an error).
Fixture HostileFixture(const Fixture& real, bool tampered_certificates);

// Reads a fixture file (clients, publish, authorize); null with `*error` on failure.
std::optional<Fixture> LoadFixture(const std::string& path, std::string* error);

// The username each fixture client connects with (EMQX copies it into every message's
// headers).
using UsernameOf = std::map<std::string, std::string>;
UsernameOf UsernamesOf(const Fixture& fixture);

}  // namespace hook_load
