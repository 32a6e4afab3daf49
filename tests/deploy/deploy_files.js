// Small readers for the deployment files, shared by check_paths.js and check_compose.js:
// a Dockerfile instruction list, docker-compose.yml, and emqx-mtls.conf (HOCON).
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");
const parseHocon = require("@pushcorn/hocon-parser");

// Dockerfile -> [{stage, instr, args: string[], raw}]. Joins continuation lines, drops
// comments, splits JSON-array ("exec") and shell forms, strips --flag=value options.
function readDockerfile(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out = [];
  let buf = "";
  let stage = 0;
  for (const line of lines) {
    if (/^\s*#/.test(line) && buf === "") continue;
    if (/^\s*#/.test(line)) continue; // a comment inside a continued instruction
    buf += (buf ? " " : "") + line.replace(/\\\s*$/, "").trim();
    if (/\\\s*$/.test(line)) continue;
    const text = buf.trim();
    buf = "";
    if (!text) continue;
    const m = /^(\w+)\s*(.*)$/.exec(text);
    const instr = m[1].toUpperCase();
    let rest = m[2];
    const flags = {};
    if (instr !== "RUN" && instr !== "HEALTHCHECK") {
      while (/^--[\w-]+(=\S+)?\s/.test(rest)) {
        const f = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest);
        flags[f[1]] = f[2] === undefined ? true : f[2];
        rest = rest.slice(f[0].length);
      }
    }
    let args;
    if (/^\[/.test(rest.trim())) {
      try { args = JSON.parse(rest.trim()); } catch (e) { args = rest.trim().split(/\s+/); }
    } else {
      args = rest.trim().split(/\s+/).filter(Boolean);
    }
    if (instr === "FROM") stage++;
    out.push({ stage, instr, args, flags, raw: text });
  }
  return out;
}

// The instructions of the last stage (what the image is).
function finalStage(instrs) {
  const last = Math.max(...instrs.map((i) => i.stage));
  return instrs.filter((i) => i.stage === last);
}

function readCompose(file) {
  return YAML.parse(fs.readFileSync(file, "utf8"));
}

// A compose volume entry (short or long syntax) -> {type, source, target, readOnly}.
function volumeOf(v) {
  if (typeof v === "string") {
    const parts = v.split(":");
    const source = parts.length > 1 ? parts[0] : undefined;
    const target = parts.length > 1 ? parts[1] : parts[0];
    const mode = parts[2] || "";
    const type = source === undefined ? "anonymous" : /^[./~]/.test(source) ? "bind" : "volume";
    return { type, source, target, readOnly: mode.split(",").includes("ro") };
  }
  return { type: v.type, source: v.source, target: v.target, readOnly: !!v.read_only };
}

async function readHocon(file) {
  return parseHocon({ url: file, strict: true });
}

// Every string leaf of a parsed config with its dotted key.
function leaves(obj, prefix = "", acc = []) {
  if (Array.isArray(obj)) obj.forEach((v, i) => leaves(v, `${prefix}[${i}]`, acc));
  else if (obj !== null && typeof obj === "object") {
    for (const [k, v] of Object.entries(obj)) leaves(v, prefix ? `${prefix}.${k}` : k, acc);
  } else acc.push([prefix, obj]);
  return acc;
}

// Assertion counter with TAP-like lines.
function reporter(name) {
  let passes = 0;
  let failures = 0;
  return {
    check(desc, cond, detail) {
      if (cond) { passes++; console.log(`ok   - ${desc}`); }
      else { failures++; console.log(`FAIL - ${desc}${detail === undefined ? "" : ` (got ${JSON.stringify(detail)})`}`); }
      return cond;
    },
    done() {
      console.log(`${name}: ${passes} passed, ${failures} failed`);
      process.exit(failures === 0 ? 0 : 1);
    },
  };
}

// Is `p` equal to or below directory `dir`?
function under(p, dir) {
  const rel = path.posix.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.posix.isAbsolute(rel));
}

module.exports = { readDockerfile, finalStage, readCompose, volumeOf, readHocon, leaves, reporter, under };
