// Parses an EMQX HOCON file with @pushcorn/hocon-parser (strict mode) and asserts the
// settings iot-hub relies on (docs/deploy.md lists what breaks without each).
// Usage: node check_emqx_conf.js FILE   (NODE_PATH must hold the parser; see lib.sh)
// Exit 0 when every assertion holds; 1 otherwise (also on a parse error), 2 on usage.
"use strict";

const parse = require("@pushcorn/hocon-parser");

const file = process.argv[2];
if (!file) {
  console.error("usage: node check_emqx_conf.js FILE");
  process.exit(2);
}

let passes = 0;
let failures = 0;
function check(desc, cond, detail) {
  if (cond) {
    passes++;
    console.log(`ok   - ${desc}`);
  } else {
    failures++;
    console.log(`FAIL - ${desc}${detail === undefined ? "" : ` (got ${JSON.stringify(detail)})`}`);
  }
}

// Reads a dotted path; undefined when any part is missing.
function get(obj, path) {
  return path.split(".").reduce((o, k) => (o !== null && typeof o === "object" ? o[k] : undefined), obj);
}

// EMQX durations: "1500ms", "2s", "1m", "1h" (a bare number is milliseconds).
function durationMs(v) {
  if (typeof v === "number") return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(String(v));
  if (!m) return NaN;
  const mult = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 }[m[2] || "ms"];
  return Number(m[1]) * mult;
}

// Unquoted HOCON values arrive as strings in strict mode; compare loosely.
const str = (v) => (v === undefined || v === null ? v : String(v));
const truthy = (v) => v === true || v === "true";
const falsy = (v) => v === false || v === "false";

// Strict mode: no type coercion of the text, no parser extensions (includes stay HOCON).
parse({ url: file, strict: true })
  .then((c) => {
    console.log(`parsed ${file}`);

    // node: the three fields EMQX 5 requires.
    for (const k of ["name", "cookie", "data_dir"]) {
      check(`node.${k} is set`, typeof get(c, `node.${k}`) === "string" && get(c, `node.${k}`).length > 0, get(c, `node.${k}`));
    }
    check("node.cookie is a placeholder (the real one comes from EMQX_NODE__COOKIE)",
      /EMQX_NODE__COOKIE/.test(str(get(c, "node.cookie")) || ""), get(c, "node.cookie"));

    // No section that EMQX 5 dropped (4.x-style names).
    for (const k of ["acl", "allow_anonymous", "acl_nomatch", "acl_file", "enable_acl_cache",
                     "plugins_loaded", "zone", "listener", "log_dir", "auth", "module", "rpc.mode"]) {
      check(`no 4.x-era key '${k}'`, get(c, k) === undefined, get(c, k));
    }

    // The devices zone and the mTLS listener in it.
    check("zones.devices.mqtt.peer_cert_as_username = pem",
      str(get(c, "zones.devices.mqtt.peer_cert_as_username")) === "pem", get(c, "zones.devices.mqtt.peer_cert_as_username"));
    check("the global mqtt section does not set peer_cert_as_username (JWT clients keep their username)",
      get(c, "mqtt.peer_cert_as_username") === undefined || str(get(c, "mqtt.peer_cert_as_username")) === "disabled",
      get(c, "mqtt.peer_cert_as_username"));
    const ssl = get(c, "listeners.ssl.default") || {};
    check("listeners.ssl.default is enabled", ssl.enable === undefined || truthy(ssl.enable), ssl.enable);
    check("listeners.ssl.default binds port 8883", /(^|:)8883$/.test(str(ssl.bind) || ""), ssl.bind);
    check("listeners.ssl.default.zone = devices", str(ssl.zone) === "devices", ssl.zone);
    check("listeners.ssl.default.enable_authn is on (false would skip the hub)",
      ssl.enable_authn === undefined || truthy(ssl.enable_authn), ssl.enable_authn);
    const so = ssl.ssl_options || {};
    check("ssl_options.verify = verify_peer", str(so.verify) === "verify_peer", so.verify);
    check("ssl_options.fail_if_no_peer_cert = true", truthy(so.fail_if_no_peer_cert), so.fail_if_no_peer_cert);
    const versions = (so.versions || []).map(String);
    check("ssl_options.versions are TLS 1.3 and 1.2 only",
      versions.length === 2 && versions.includes("tlsv1.3") && versions.includes("tlsv1.2"), so.versions);
    for (const k of ["cacertfile", "certfile", "keyfile"]) {
      check(`ssl_options.${k} is under /opt/emqx/etc/certs/`, /^\/opt\/emqx\/etc\/certs\/[^/]+$/.test(str(so[k]) || ""), so[k]);
    }
    check("enable_crl_check, if on, goes with verify_peer",
      !truthy(so.enable_crl_check) || str(so.verify) === "verify_peer", so.enable_crl_check);

    // JWT listener(s): TLS listeners other than default, in a zone without the override.
    const zones = get(c, "zones") || {};
    const overrideZone = (z) => {
      const v = get(zones, `${z}.mqtt.peer_cert_as_username`);
      return v !== undefined && str(v) !== "disabled";
    };
    const otherSsl = Object.entries(get(c, "listeners.ssl") || {}).filter(([n]) => n !== "default");
    check("a TLS listener for JWT clients exists besides ssl.default", otherSsl.length >= 1, Object.keys(get(c, "listeners.ssl") || {}));
    for (const [name, l] of otherSsl) {
      const z = str(l.zone) || "default";
      check(`listeners.ssl.${name} (JWT) is in a zone without peer_cert_as_username`, !overrideZone(z), z);
      check(`listeners.ssl.${name} (JWT) asks for no client certificate`,
        !truthy(get(l, "ssl_options.fail_if_no_peer_cert")), get(l, "ssl_options.fail_if_no_peer_cert"));
    }

    // Plain TCP on loopback only; ws/wss off.
    const tcp = get(c, "listeners.tcp") || {};
    for (const [name, l] of Object.entries(tcp)) {
      const enabled = l.enable === undefined || truthy(l.enable);
      check(`listeners.tcp.${name} is off or bound to 127.0.0.1`, !enabled || /^127\.0\.0\.1:\d+$/.test(str(l.bind) || ""), l.bind);
    }
    check("listeners.tcp.default is defined (else EMQX adds one on 0.0.0.0:1883)", tcp.default !== undefined);
    for (const kind of ["ws", "wss"]) {
      const ls = get(c, `listeners.${kind}`) || {};
      check(`listeners.${kind}.default is defined and disabled (else EMQX adds it)`, ls.default !== undefined && falsy(ls.default.enable),
        ls.default);
      for (const [name, l] of Object.entries(ls)) {
        check(`listeners.${kind}.${name} is disabled`, falsy(l.enable), l.enable);
      }
    }
    // Every enabled listener runs authentication (the hub decides).
    for (const [kind, ls] of Object.entries(get(c, "listeners") || {})) {
      for (const [name, l] of Object.entries(ls || {})) {
        if (l.enable !== undefined && falsy(l.enable)) continue;
        check(`listeners.${kind}.${name}.enable_authn is not false`, l.enable_authn === undefined || truthy(l.enable_authn), l.enable_authn);
      }
    }

    // Access control: only the hub decides.
    // The authentication guard: one authenticator that admits nobody and ignores every
    // client the hub serves, so that clients are refused while the hub is not loaded.
    const authn = get(c, "authentication");
    check("authentication holds exactly one authenticator (the guard)", Array.isArray(authn) && authn.length === 1,
      authn && authn.length);
    const guard = (Array.isArray(authn) && authn[0]) || {};
    check("the guard is enabled", guard.enable === undefined || truthy(guard.enable), guard.enable);
    check("the guard is a JWT authenticator", str(guard.mechanism) === "jwt", guard.mechanism);
    check("the guard uses no JWKS (a fixed secret nobody holds)", guard.use_jwks === undefined || falsy(guard.use_jwks),
      guard.use_jwks);
    check("the guard is HMAC-based", str(guard.algorithm) === "hmac-based", guard.algorithm);
    check("the guard reads the password (clients without one, i.e. devices, are ignored)",
      guard.from === undefined || str(guard.from) === "password", guard.from);
    check("the guard's secret is base64 (the entrypoint's 32 random bytes)", truthy(guard.secret_base64_encoded),
      guard.secret_base64_encoded);
    const secret = str(guard.secret) || "";
    check("the guard's secret in the file is a placeholder that is not base64 (no usable secret in the repo)",
      secret.length > 0 && !/^[A-Za-z0-9+/]*={0,2}$/.test(secret), secret);
    check("the guard checks no claims and grants no ACL (it must never admit or decide)",
      (guard.verify_claims === undefined || Object.keys(guard.verify_claims).length === 0) && guard.acl_claim_name === undefined,
      { verify_claims: guard.verify_claims, acl_claim_name: guard.acl_claim_name });
    for (const [kind, ls] of Object.entries(get(c, "listeners") || {})) {
      for (const [name, l] of Object.entries(ls || {})) {
        check(`listeners.${kind}.${name} has no authentication of its own (it would replace the guard)`,
          (l || {}).authentication === undefined, (l || {}).authentication);
      }
    }
    const sources = get(c, "authorization.sources");
    check("authorization.sources = [] (no acl.conf with {allow, all})", Array.isArray(sources) && sources.length === 0, sources);
    check("authorization.no_match = deny", str(get(c, "authorization.no_match")) === "deny", get(c, "authorization.no_match"));
    check("authorization.cache.enable = true", truthy(get(c, "authorization.cache.enable")), get(c, "authorization.cache.enable"));
    const ttl = durationMs(get(c, "authorization.cache.ttl"));
    check("authorization.cache.ttl is at most 5 minutes", get(c, "authorization.cache.ttl") === undefined || ttl <= 300000,
      get(c, "authorization.cache.ttl"));

    // ExHook: exactly one server, the hub.
    const servers = get(c, "exhook.servers");
    check("exhook.servers has exactly one server", Array.isArray(servers) && servers.length === 1, servers && servers.length);
    const s = (Array.isArray(servers) && servers[0]) || {};
    check("exhook server is enabled", s.enable === undefined || truthy(s.enable), s.enable);
    check("exhook server name matches EMQX's rule", /^[A-Za-z0-9]+[A-Za-z0-9-_]*$/.test(str(s.name) || ""), s.name);
    check("exhook url is http(s)://iot-hub:9000", /^https?:\/\/iot-hub:9000\/?$/.test(str(s.url) || ""), s.url);
    if (/^https:/.test(str(s.url) || "")) {
      check("https exhook url comes with ssl.enable = true", truthy(get(s, "ssl.enable")), s.ssl);
    }
    const rt = durationMs(s.request_timeout);
    check("exhook request_timeout is 1-2 s", rt >= 1000 && rt <= 2000, s.request_timeout);
    check("exhook failed_action = deny", str(s.failed_action) === "deny", s.failed_action);
    const ar = s.auto_reconnect;
    check("exhook auto_reconnect is on (a duration, not false)", ar !== undefined && !falsy(ar) && durationMs(ar) > 0, ar);
    check("exhook pool_size is a positive integer", Number.isInteger(Number(s.pool_size)) && Number(s.pool_size) > 0, s.pool_size);

    console.log(`check_emqx_conf: ${passes} passed, ${failures} failed`);
    process.exit(failures === 0 ? 0 : 1);
  })
  .catch((e) => {
    console.log(`FAIL - ${file} does not parse as HOCON: ${e.message}`);
    process.exit(1);
  });
