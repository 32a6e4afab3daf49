// docker-compose.cluster.yml holds together: two EMQX nodes in one cluster, each reaching
// its own hub under the conf's exhook host; both hubs on one PostgreSQL and one Redis,
// with one CA; nothing but the broker's MQTT ports and loopback admin ports published;
// every secret from the environment. Usage: node check_compose_cluster.js REPO_ROOT
"use strict";

const path = require("path");
const d = require("./deploy_files");

const repo = process.argv[2];
if (!repo) { console.error("usage: node check_compose_cluster.js REPO_ROOT"); process.exit(2); }
const r = d.reporter("check_compose_cluster");

// Network names of a service (list or map syntax) and the aliases it has on each.
function networksOf(svc) {
  const n = svc.networks || [];
  if (Array.isArray(n)) return Object.fromEntries(n.map((name) => [name, []]));
  return Object.fromEntries(Object.entries(n).map(([name, v]) => [name, (v && v.aliases) || []]));
}

(async () => {
  const compose = d.readCompose(path.join(repo, "docker-compose.cluster.yml"));
  const s = compose.services || {};
  const names = ["certs", "postgres", "redis", "iot-hub-1", "iot-hub-2", "emqx-1", "emqx-2"];
  for (const name of names) r.check(`cluster compose has service ${name}`, !!s[name]);
  const svc = (name) => s[name] || {};
  const dep = (name, on) => (svc(name).depends_on || {})[on] || {};

  r.check("postgres is PostgreSQL 15", /^postgres:15/.test(String(svc("postgres").image)), svc("postgres").image);
  r.check("redis is Redis 7", /^redis:7/.test(String(svc("redis").image)), svc("redis").image);
  r.check("postgres and redis have health checks", !!svc("postgres").healthcheck && !!svc("redis").healthcheck);
  r.check("the PostgreSQL password comes from .env and is required",
    /\$\{POSTGRES_PASSWORD:\?/.test(String((svc("postgres").environment || {}).POSTGRES_PASSWORD)));

  // The exhook URL's host, as emqx/emqx-mtls.conf names it.
  const conf = await d.readHocon(path.join(repo, "emqx/emqx-mtls.conf"));
  const exhookHost = new URL(String(conf.exhook.servers[0].url)).hostname;

  for (const [i, hub, emqx, node] of [[1, "iot-hub-1", "emqx-1", "node1"], [2, "iot-hub-2", "emqx-2", "node2"]]) {
    const env = svc(hub).environment || {};
    r.check(`${hub} uses the postgres backend`, env.IOTHUB_STORE__BACKEND === "postgres", env.IOTHUB_STORE__BACKEND);
    r.check(`${hub} reaches the compose postgres with the .env password`,
      /^postgresql:\/\/iothub:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/iothub$/.test(String(env.IOTHUB_STORE__POSTGRES_URL)),
      env.IOTHUB_STORE__POSTGRES_URL);
    r.check(`${hub} shares the compose redis`, env.IOTHUB_CLUSTER__REDIS_URL === "redis://redis:6379/0", env.IOTHUB_CLUSTER__REDIS_URL);
    for (const on of ["postgres", "redis"]) {
      r.check(`${hub} starts after ${on} is healthy`, dep(hub, on).condition === "service_healthy", dep(hub, on));
    }
    r.check(`${hub} starts after the certs step`, dep(hub, "certs").condition === "service_completed_successfully");
    r.check(`${emqx} starts after ${hub} is healthy`, dep(emqx, hub).condition === "service_healthy", dep(emqx, hub));

    // Own data (state journal), shared CA.
    const vols = (svc(hub).volumes || []).map(d.volumeOf);
    const data = vols.find((v) => v.target === "/var/lib/iot-hub");
    const ca = vols.find((v) => v.target === "/var/lib/iot-hub/ca");
    r.check(`${hub} has a data volume of its own`, !!data && data.source === `hub-${i}-data`, data);
    r.check(`${hub} mounts the shared CA volume`, !!ca && ca.source === "hub-ca", ca);

    // Each node reaches its own hub, and only it, under the conf's exhook host.
    const hubNets = networksOf(svc(hub));
    const emqxNets = networksOf(svc(emqx));
    r.check(`${hub} is ${exhookHost} on network ${node}`, (hubNets[node] || []).includes(exhookHost), hubNets);
    r.check(`${emqx} is on network ${node} and the cluster network`, node in emqxNets && "cluster" in emqxNets, emqxNets);
    const other = i === 1 ? "node2" : "node1";
    r.check(`${emqx} is not on ${other} (it would see two ${exhookHost}s)`, !(other in emqxNets), emqxNets);
    r.check(`${hub} is on the backend network`, "backend" in hubNets, hubNets);

    const eenv = svc(emqx).environment || {};
    r.check(`${emqx} node name is emqx@${emqx}`, eenv.EMQX_NODE__NAME === `emqx@${emqx}`, eenv.EMQX_NODE__NAME);
    r.check(`${emqx} joins the static cluster of both nodes`,
      eenv.EMQX_CLUSTER__DISCOVERY_STRATEGY === "static" &&
      String(eenv.EMQX_CLUSTER__STATIC__SEEDS).replace(/\s/g, "") === "[emqx@emqx-1,emqx@emqx-2]",
      eenv.EMQX_CLUSTER__STATIC__SEEDS);
    r.check(`${emqx} cookie and dashboard password come from .env`,
      /\$\{EMQX_NODE_COOKIE:\?/.test(String(eenv.EMQX_NODE__COOKIE)) &&
      /\$\{EMQX_DASHBOARD_PASSWORD:\?/.test(String(eenv.EMQX_DASHBOARD__DEFAULT_PASSWORD)));
    r.check(`${emqx} does not set the guard's secret`, !Object.keys(eenv).some((k) => /^EMQX_AUTHENTICATION__/.test(k)));
  }
  r.check("exactly two services carry the exhook alias, on different networks",
    names.filter((n) => Object.values(networksOf(svc(n))).some((a) => a.includes(exhookHost))).length === 2);
  const caCerts = (svc("certs").volumes || []).map(d.volumeOf).find((v) => v.target === "/var/lib/iot-hub/ca");
  r.check("the certs step makes the CA in the shared CA volume", !!caCerts && caCerts.source === "hub-ca", caCerts);

  // Published ports: MQTT of both nodes, admin APIs and the dashboard on loopback only.
  const published = [];
  for (const [name, v] of Object.entries(s)) {
    for (const p of v.ports || []) {
      const parts = String(p).split(":");
      published.push({ name, hostIp: parts.length === 3 ? parts[0] : "", target: parts[parts.length - 1] });
    }
  }
  r.check("no service publishes gRPC 9000, PostgreSQL or Redis",
    !published.some((p) => ["9000", "5432", "6379"].includes(p.target)), published);
  for (const p of published.filter((p) => ["8080", "18083"].includes(p.target))) {
    r.check(`${p.name} publishes ${p.target} on 127.0.0.1 only`, p.hostIp === "127.0.0.1", p);
  }
  for (const emqx of ["emqx-1", "emqx-2"]) {
    for (const t of ["8883", "8884"]) r.check(`${emqx} publishes ${t}`, published.some((p) => p.name === emqx && p.target === t));
  }
  r.done();
})().catch((e) => { console.log(`FAIL - ${e.stack || e}`); process.exit(1); });
