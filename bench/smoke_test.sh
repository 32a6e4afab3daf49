#!/usr/bin/env bash
# bench/smoke_test.sh BUILD_DIR: `make bench-cluster` works, in about 20 s (ctest
# bench.cluster_smoke, label bench). One round of the realistic mix, 1 s per server, a
# fleet of 40 devices: no figure is judged (speed is not tested), only that every server
# answered, every fixture client was admitted, RPC replies through hub B matched requests
# through hub A, the Redis and PostgreSQL counters were read over the window, and the
# issue's targets were evaluated. A BENCH_MODE it does not know is refused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results="$(mktemp -d -t iothub-bench-smoke.XXXXXX)"
trap 'rm -rf "${results}"' EXIT

status=0
BENCH_MODE=nonsense BUILD_DIR="$1" bash "${root}/bench/run.sh" >/dev/null 2>&1 || status=$?
if [[ "${status}" -ne 2 ]]; then
  echo "smoke: BENCH_MODE=nonsense exited ${status}, expected 2" >&2
  exit 1
fi

BENCH_MODE=cluster BENCH_MIXES=realistic BENCH_ROUNDS=1 BENCH_DURATION_S=1 BENCH_WARMUP_S=0.5 \
  BENCH_DEVICES=40 BENCH_USERS=8 BENCH_SIGNED=16 BENCH_LOAD_ARGS="--concurrency 8" \
  BENCH_RESULTS_DIR="${results}" BUILD_DIR="$1" bash "${root}/bench/run.sh"

python3 - "${results}"/*.json <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]["realistic"]
servers = summary["servers"]
problems = []
for name in ("baseline", "hub", "cluster"):
    s = servers.get(name)
    if s is None:
        problems.append(f"{name}: not measured")
        continue
    if not s["calls_per_s"] or s["errors"]:
        problems.append(f"{name}: {s['calls_per_s']} calls/s, {s['errors']} errors")
    if any(a.split("/")[0] != a.split("/")[1] for a in s.get("prime_admitted", ["0/1"])):
        problems.append(f"{name}: primed {s.get('prime_admitted')}")
    if not s.get("rpc_pairs_per_s"):
        problems.append(f"{name}: no RPC reply was let through")
    if not s.get("server_cpu_us_per_call"):
        problems.append(f"{name}: no server CPU per call")
cluster = servers.get("cluster", {})
if len([n for n in cluster.get("calls_by_target", []) if n > 0]) != 2:
    problems.append(f"cluster: calls by hub {cluster.get('calls_by_target')}")
shared = cluster.get("shared") or {}
if not shared.get("redis_commands_per_call") or "pg_statements_per_call" not in shared:
    problems.append(f"cluster: shared counters {shared}")
if set(summary.get("targets", {})) != {"server_cpu_us_per_call", "rpc_pairs_per_s"}:
    problems.append(f"targets {summary.get('targets')}")
if problems:
    sys.exit("smoke: " + "; ".join(problems))
print("smoke: cluster bench ok")
PY
