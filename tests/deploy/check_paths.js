// Every path that emqx/emqx-mtls.conf (and the hub's command line) names exists where the
// process will look: in the image (a COPY or mkdir in its Dockerfile, or the base image)
// or in a compose mount whose host side holds the file (./certs is the PKI that
// scripts/generate-certs.sh made in the check's temp dir).
// Usage: node check_paths.js REPO_ROOT GENERATED_CERTS_DIR
"use strict";

const fs = require("fs");
const path = require("path");
const d = require("./deploy_files");

const [repo, generatedCerts] = process.argv.slice(2);
if (!repo || !generatedCerts) {
  console.error("usage: node check_paths.js REPO_ROOT GENERATED_CERTS_DIR");
  process.exit(2);
}
const r = d.reporter("check_paths");

// What emqx/emqx:5.3.0 itself provides (its deploy/docker/Dockerfile at tag v5.3.0):
// the release in /opt/emqx, VOLUMEs /opt/emqx/log and /opt/emqx/data, and its entrypoint.
const EMQX_BASE_DIRS = ["/opt/emqx", "/opt/emqx/etc", "/opt/emqx/data", "/opt/emqx/log", "/opt/emqx/bin"];
const EMQX_BASE_FILES = ["/usr/bin/docker-entrypoint.sh", "/opt/emqx/bin/emqx"];

// The image model of a Dockerfile's final stage: files copied in, directories made.
function imageModel(dockerfile, contextDir, baseDirs, baseFiles) {
  const st = d.finalStage(d.readDockerfile(dockerfile));
  const files = new Map(baseFiles.map((f) => [f, "(base image)"]));
  const dirs = new Set(baseDirs);
  const volumes = [];
  let workdir = "/";
  for (const i of st) {
    if (i.instr === "WORKDIR") { workdir = path.posix.resolve(workdir, i.args[0]); dirs.add(workdir); }
    if (i.instr === "VOLUME") volumes.push(...i.args);
    if ((i.instr === "COPY" || i.instr === "ADD") && !i.flags.from) {
      const srcs = i.args.slice(0, -1);
      const dest = path.posix.resolve(workdir, i.args[i.args.length - 1]);
      for (const s of srcs) {
        r.check(`${path.relative(repo, dockerfile)}: COPY source ${s} exists in the build context`,
          fs.existsSync(path.join(contextDir, s)), s);
        files.set(dest.endsWith("/") || srcs.length > 1 ? path.posix.join(dest, path.basename(s)) : dest, s);
      }
    }
    if (i.instr === "COPY" && i.flags.from) {
      files.set(path.posix.resolve(workdir, i.args[i.args.length - 1]), `(stage ${i.flags.from})`);
    }
    if (i.instr === "RUN") {
      for (const m of i.raw.matchAll(/mkdir\s+(?:-p\s+)?((?:\/[^\s;&|]+\s*)+)/g)) {
        for (const p of m[1].trim().split(/\s+/)) dirs.add(p);
      }
    }
  }
  volumes.forEach((v) => dirs.add(v));
  return { stage: st, files, dirs, volumes };
}

// Host path of a compose bind source; ./certs is replaced by the generated PKI.
function hostPath(source) {
  const abs = path.resolve(repo, source);
  const certsRoot = path.join(repo, "certs");
  if (abs === certsRoot || abs.startsWith(certsRoot + path.sep)) {
    return path.join(generatedCerts, path.relative(certsRoot, abs));
  }
  return abs;
}

// Where does `p` come from inside service `svc` of the compose file, given the image model?
function resolve(p, svc, model, kind) {
  const mounts = (svc.volumes || []).map(d.volumeOf).filter((v) => v.target)
    .sort((a, b) => b.target.length - a.target.length);
  const m = mounts.find((v) => d.under(p, v.target));
  if (m) {
    const rest = path.posix.relative(m.target, p);
    if (m.type === "bind") {
      const host = path.join(hostPath(m.source), rest);
      const okType = kind === "dir" ? fs.existsSync(host) && fs.statSync(host).isDirectory()
                                    : fs.existsSync(host) && fs.statSync(host).isFile();
      return { ok: okType, where: `bind mount ${m.source}:${m.target} -> ${path.relative(generatedCerts, host) || host}` };
    }
    return { ok: rest === "" || kind === "dir", where: `volume ${m.source || "(anonymous)"}:${m.target}` };
  }
  if (kind === "file" && model.files.has(p)) return { ok: true, where: `COPY ${model.files.get(p)}` };
  if (kind === "dir" && model.dirs.has(p)) return { ok: true, where: "image directory" };
  return { ok: false, where: "nowhere in the image or its mounts" };
}

(async () => {
  const compose = d.readCompose(path.join(repo, "docker-compose.yml"));
  const services = compose.services || {};
  const emqxSvc = services.emqx || {};
  const hubSvc = services["iot-hub"] || {};
  const certsSvc = services.certs || {};
  const conf = await d.readHocon(path.join(repo, "emqx/emqx-mtls.conf"));

  // --- EMQX --------------------------------------------------------------------------
  const emqxModel = imageModel(path.join(repo, "emqx/Dockerfile"), path.join(repo, "emqx"), EMQX_BASE_DIRS, EMQX_BASE_FILES);
  r.check("emqx/Dockerfile builds FROM emqx/emqx:5.3.0",
    d.readDockerfile(path.join(repo, "emqx/Dockerfile")).some((i) => i.instr === "FROM" && i.args[0] === "emqx/emqx:5.3.0"));
  r.check("emqx/Dockerfile installs the config as /opt/emqx/etc/emqx.conf",
    emqxModel.files.get("/opt/emqx/etc/emqx.conf") === "emqx-mtls.conf", [...emqxModel.files.keys()]);

  const pathLeaves = d.leaves(conf).filter(([k, v]) => typeof v === "string" && v.startsWith("/"));
  r.check("emqx-mtls.conf names absolute paths (found some)", pathLeaves.length >= 4, pathLeaves.length);
  for (const [key, p] of pathLeaves) {
    const kind = /(^|\.)(data_dir|dir)$/.test(key) ? "dir" : "file";
    const res = resolve(p, emqxSvc, emqxModel, kind);
    r.check(`emqx: ${key} = ${p} exists (${res.where})`, res.ok);
  }
  for (const v of (emqxSvc.volumes || []).map(d.volumeOf)) {
    // A bind-mounted folder needs its mount point in the image (owned by emqx, not root).
    r.check(`emqx: mount point ${v.target} is a directory of the image`, v.type !== "bind" || emqxModel.dirs.has(v.target), v.target);
    if (v.type === "bind" && /certs/.test(v.source)) {
      r.check(`emqx: the certificate mount ${v.source} is read-only`, v.readOnly, v);
      const host = hostPath(v.source);
      const names = fs.existsSync(host) ? fs.readdirSync(host) : [];
      r.check(`emqx: ${v.source} holds no CA private key`, !names.includes("ca.key") && names.every((n) => !/^ca.*\.key$/.test(n)), names);
    }
  }
  // The image's entrypoint chain: our check, then the base image's entrypoint.
  const ep = emqxModel.stage.filter((i) => i.instr === "ENTRYPOINT").pop();
  r.check("emqx image ENTRYPOINT is set (the certificate check)", !!ep, ep && ep.args);
  if (ep) {
    for (const p of ep.args.filter((a) => a.startsWith("/"))) {
      r.check(`emqx image: entrypoint file ${p} exists in the image`, emqxModel.files.has(p), p);
    }
  }
  // The entrypoint checks exactly the files the conf's ssl listeners need.
  const checkScript = fs.readFileSync(path.join(repo, "emqx/check-certs.sh"), "utf8");
  const required = ((/^required=\(([^)]*)\)/m.exec(checkScript) || [])[1] || "").trim().split(/\s+/).filter(Boolean).sort();
  const confCertFiles = [...new Set(pathLeaves.filter(([k]) => /ssl_options\.(cacertfile|certfile|keyfile)$/.test(k)).map(([, p]) => path.posix.basename(p)))].sort();
  r.check("emqx/check-certs.sh requires exactly the certificate files the ssl listeners name",
    JSON.stringify(required) === JSON.stringify(confCertFiles), { required, confCertFiles });
  r.check("emqx/check-certs.sh checks the directory the certificates are mounted at",
    /IOTHUB_EMQX_CERTS_DIR:-\/opt\/emqx\/etc\/certs\}/.test(checkScript));

  // --- iot-hub -----------------------------------------------------------------------
  const hubModel = imageModel(path.join(repo, "Dockerfile"), repo, [], []);
  const cmd = (hubModel.stage.filter((i) => i.instr === "CMD").pop() || { args: [] }).args;
  const flag = (n) => { const i = cmd.indexOf(n); return i >= 0 ? cmd[i + 1] : undefined; };
  const dataDir = flag("--data-dir");
  r.check("hub image CMD: serve --grpc-listen 0.0.0.0:9000 --http-listen 0.0.0.0:8080 --data-dir /var/lib/iot-hub",
    cmd[0] === "serve" && flag("--grpc-listen") === "0.0.0.0:9000" && flag("--http-listen") === "0.0.0.0:8080" && dataDir === "/var/lib/iot-hub", cmd);
  r.check(`hub image: --data-dir ${dataDir} is made by the Dockerfile and is a VOLUME`,
    hubModel.dirs.has(dataDir) && hubModel.volumes.includes(dataDir), [...hubModel.dirs]);
  const hubRes = resolve(dataDir, hubSvc, hubModel, "dir");
  r.check(`compose iot-hub: ${dataDir} is a volume (${hubRes.where})`, hubRes.ok && /^volume /.test(hubRes.where));
  const ent = (hubModel.stage.filter((i) => i.instr === "ENTRYPOINT").pop() || { args: [] }).args;
  r.check("hub image ENTRYPOINT is the binary the build stage made", ent[0] === "/usr/local/bin/iot-hub" && hubModel.files.has(ent[0]), ent);

  // --- the certs step ----------------------------------------------------------------
  const certsEp = [].concat(certsSvc.entrypoint || [])[0];
  r.check(`compose certs: entrypoint ${certsEp} is in the hub image`, hubModel.files.has(certsEp), certsEp);
  const env = certsSvc.environment || {};
  const certsMount = (certsSvc.volumes || []).map(d.volumeOf).find((v) => v.target === env.CERTS_DIR);
  r.check(`compose certs: CERTS_DIR ${env.CERTS_DIR} is a bind mount`, !!certsMount && certsMount.type === "bind", certsMount);
  const emqxCerts = (emqxSvc.volumes || []).map(d.volumeOf).find((v) => v.target === "/opt/emqx/etc/certs");
  r.check("compose: emqx mounts the emqx/ subfolder of what the certs step writes",
    !!certsMount && !!emqxCerts && path.resolve(repo, emqxCerts.source) === path.resolve(repo, certsMount.source, "emqx"),
    { certs: certsMount && certsMount.source, emqx: emqxCerts && emqxCerts.source });
  const dataMount = (certsSvc.volumes || []).map(d.volumeOf).find((v) => v.target === env.IOT_HUB_DATA_DIR);
  const hubDataMount = (hubSvc.volumes || []).map(d.volumeOf).find((v) => v.target === dataDir);
  r.check("compose certs: IOT_HUB_DATA_DIR is the hub's data volume",
    env.IOT_HUB_DATA_DIR === dataDir && !!dataMount && !!hubDataMount && dataMount.source === hubDataMount.source, { env: env.IOT_HUB_DATA_DIR, dataMount, hubDataMount });

  // --- .dockerignore keeps what the hub's Dockerfile copies -----------------------------
  const ignore = fs.readFileSync(path.join(repo, ".dockerignore"), "utf8").split("\n")
    .map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  for (const src of ["scripts/install-deps.sh", "scripts/generate-certs.sh", "CMakeLists.txt", "src", "proto", "cmake"]) {
    const hit = ignore.find((pat) => src === pat || src.startsWith(pat.replace(/\/$/, "") + "/"));
    r.check(`.dockerignore does not exclude ${src}`, !hit, hit);
  }
  for (const p of ["certs", "build", ".git"]) {
    r.check(`.dockerignore excludes ${p}`, ignore.includes(p), ignore);
  }

  r.done();
})().catch((e) => { console.log(`FAIL - ${e.stack || e}`); process.exit(1); });
