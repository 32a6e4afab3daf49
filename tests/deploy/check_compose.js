// docker-compose.yml and the two Dockerfiles hold together: start order, what is
// published where, non-root images with health checks, the exhook URL reaching the hub.
// Usage: node check_compose.js REPO_ROOT
"use strict";

const path = require("path");
const d = require("./deploy_files");

const repo = process.argv[2];
if (!repo) { console.error("usage: node check_compose.js REPO_ROOT"); process.exit(2); }
const r = d.reporter("check_compose");

// "127.0.0.1:8080:8080" / "8883:8883" / {published, target, host_ip} -> {hostIp, published, target}.
function portOf(p) {
  if (typeof p === "object") return { hostIp: p.host_ip || "", published: String(p.published), target: String(p.target) };
  const parts = String(p).split(":");
  if (parts.length === 3) return { hostIp: parts[0], published: parts[1], target: parts[2].replace(/\/.*/, "") };
  if (parts.length === 2) return { hostIp: "", published: parts[0], target: parts[1].replace(/\/.*/, "") };
  return { hostIp: "", published: "", target: parts[0] };
}

(async () => {
  const compose = d.readCompose(path.join(repo, "docker-compose.yml"));
  const s = compose.services || {};
  for (const name of ["certs", "iot-hub", "emqx"]) r.check(`compose has service ${name}`, !!s[name]);
  const dep = (svc, on) => ((s[svc] || {}).depends_on || {})[on] || {};
  r.check("emqx starts after the certs step succeeded", dep("emqx", "certs").condition === "service_completed_successfully", dep("emqx", "certs"));
  r.check("emqx starts after iot-hub is healthy", dep("emqx", "iot-hub").condition === "service_healthy", dep("emqx", "iot-hub"));
  r.check("iot-hub starts after the certs step succeeded", dep("iot-hub", "certs").condition === "service_completed_successfully", dep("iot-hub", "certs"));
  r.check("the certs step is not restarted", String((s.certs || {}).restart || "no") === "no", (s.certs || {}).restart);
  r.check("emqx is built from emqx/", ((s.emqx || {}).build === "./emqx" || ((s.emqx || {}).build || {}).context === "./emqx"), (s.emqx || {}).build);

  // Published ports.
  const ports = {};
  for (const [name, svc] of Object.entries(s)) ports[name] = (svc.ports || []).map(portOf);
  const all = Object.values(ports).flat();
  r.check("no service publishes the hub's gRPC port 9000 (EMQX reaches it on the compose network)",
    !all.some((p) => p.target === "9000"), all);
  const pub = (svc, target) => (ports[svc] || []).find((p) => p.target === target);
  r.check("iot-hub publishes its admin API 8080 on 127.0.0.1 only", (pub("iot-hub", "8080") || {}).hostIp === "127.0.0.1", pub("iot-hub", "8080"));
  r.check("emqx publishes 8883 (devices, mTLS)", !!pub("emqx", "8883"));
  r.check("emqx publishes 8884 (apps, TLS + JWT)", !!pub("emqx", "8884"));
  r.check("emqx publishes the dashboard/REST API 18083 on 127.0.0.1 only", (pub("emqx", "18083") || {}).hostIp === "127.0.0.1", pub("emqx", "18083"));
  r.check("plain MQTT 1883 is not published beyond 127.0.0.1", !pub("emqx", "1883") || pub("emqx", "1883").hostIp === "127.0.0.1", pub("emqx", "1883"));
  for (const t of ["8083", "8084"]) r.check(`ws/wss port ${t} is not published`, !pub("emqx", t));

  // Secrets come from the environment, not the file.
  const env = (s.emqx || {}).environment || {};
  r.check("EMQX_NODE__COOKIE comes from .env/the environment", /\$\{EMQX_NODE_COOKIE/.test(String(env.EMQX_NODE__COOKIE || "")), env.EMQX_NODE__COOKIE);
  r.check("the dashboard password comes from .env/the environment", /\$\{/.test(String(env.EMQX_DASHBOARD__DEFAULT_PASSWORD || "")), env.EMQX_DASHBOARD__DEFAULT_PASSWORD);

  // The exhook URL reaches the hub's gRPC listener.
  const conf = await d.readHocon(path.join(repo, "emqx/emqx-mtls.conf"));
  const url = new URL(String(conf.exhook.servers[0].url));
  const hub = d.finalStage(d.readDockerfile(path.join(repo, "Dockerfile")));
  const cmd = (hub.filter((i) => i.instr === "CMD").pop() || { args: [] }).args;
  const grpc = cmd[cmd.indexOf("--grpc-listen") + 1] || "";
  r.check(`exhook host ${url.hostname} is a compose service`, !!s[url.hostname], Object.keys(s));
  r.check(`exhook port ${url.port} is the hub's --grpc-listen port (${grpc}) on all interfaces`,
    grpc === `0.0.0.0:${url.port}`, grpc);

  // The hub image.
  const all_hub = d.readDockerfile(path.join(repo, "Dockerfile"));
  const froms = all_hub.filter((i) => i.instr === "FROM").map((i) => i.args[0]);
  r.check("hub Dockerfile: build stage FROM debian:12, runtime FROM debian:12-slim", froms[0] === "debian:12" && froms[froms.length - 1] === "debian:12-slim", froms);
  const buildRuns = all_hub.filter((i) => i.stage === 1 && i.instr === "RUN").map((i) => i.raw).join("\n");
  r.check("hub build stage installs deps with scripts/install-deps.sh", /scripts\/install-deps\.sh/.test(buildRuns));
  r.check("hub build stage: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release", /cmake -S \. -B build -DCMAKE_BUILD_TYPE=Release/.test(buildRuns));
  r.check("hub build stage: cmake --build build --target iot-hub", /cmake --build build --target iot-hub/.test(buildRuns));
  const user = (hub.filter((i) => i.instr === "USER").pop() || { args: ["root"] }).args[0];
  r.check("hub image runs as a non-root user", !/^(root|0)(:|$)/.test(user), user);
  const hc = hub.filter((i) => i.instr === "HEALTHCHECK").pop();
  r.check("hub image HEALTHCHECK curls http://127.0.0.1:8080/api/health", !!hc && /curl.*http:\/\/127\.0\.0\.1:8080\/api\/health/.test(hc.raw.replace(/[",\[\]]/g, " ")), hc && hc.raw);
  const http = cmd[cmd.indexOf("--http-listen") + 1] || "";
  r.check("the health check port is the hub's --http-listen port", http === "0.0.0.0:8080", http);
  const apt = hub.filter((i) => i.instr === "RUN" && /apt-get install/.test(i.raw)).map((i) => i.raw).join(" ");
  for (const p of ["libgrpc++1.51", "libprotobuf32", "libssl3", "libsqlite3-0", "libspdlog1.10", "libfmt9",
                   "libtomlplusplus3", "libcpp-httplib0.11", "libmosquitto1", "curl"]) {
    r.check(`hub runtime image installs ${p}`, apt.split(/\s+/).includes(p));
  }
  r.check("hub runtime apt install uses --no-install-recommends and cleans the lists",
    /--no-install-recommends/.test(apt) && /rm -rf \/var\/lib\/apt\/lists/.test(apt));

  // The EMQX image.
  const em = d.finalStage(d.readDockerfile(path.join(repo, "emqx/Dockerfile")));
  const emUser = (em.filter((i) => i.instr === "USER").pop() || { args: ["root"] }).args[0];
  r.check("emqx image ends as the emqx user", emUser === "emqx", emUser);
  r.check("emqx image has a HEALTHCHECK", em.some((i) => i.instr === "HEALTHCHECK"));
  const ep = (em.filter((i) => i.instr === "ENTRYPOINT").pop() || { args: [] }).args;
  const guardAt = ep.indexOf("/usr/local/bin/iot-hub-authn-guard.sh");
  r.check("emqx image ENTRYPOINT gives the authentication guard its secret before EMQX's own entrypoint",
    guardAt >= 0 && guardAt < ep.indexOf("/usr/bin/docker-entrypoint.sh"), ep);
  r.check("compose does not set the guard's secret (nobody may hold it)",
    !Object.keys(env).some((k) => /^EMQX_AUTHENTICATION__/.test(k)), Object.keys(env));

  r.done();
})().catch((e) => { console.log(`FAIL - ${e.stack || e}`); process.exit(1); });
