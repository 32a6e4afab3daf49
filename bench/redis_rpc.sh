#!/usr/bin/env bash
# bench/redis_rpc.sh: what sharing the RPC state in Redis ([cluster] redis_url) adds to
# each RPC hook call. Provisions a fleet (bench/provision.sh), then runs the same
# hook-load (message.publish only, RPC mode: requests with fresh ids and the devices'
# replies) against the hub without Redis and with a local redis-server, and prints the
# publish latency (p50/p99), the throughput and the Redis commands per publish call
# (pipelined: several share a round trip under load, see make bench-cluster).
#
# Environment: BUILD_DIR (default build), BENCH_DURATION_S (10), BENCH_WARMUP_S (2),
# BENCH_CONCURRENCY (4), plus provision.sh's BENCH_DEVICES/USERS/SIGNED.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${root}/bench/lib.sh"
build="${BUILD_DIR:-build}"
[[ "${build}" = /* ]] || build="${root}/${build}"
hub="${build}/iot-hub"
load="${build}/bench/hook-load"
redis_server="$(command -v redis-server || true)"
for bin in "${hub}" "${load}"; do
  [[ -x "${bin}" ]] || { echo "redis_rpc: ${bin} is missing (build iot-hub hook-load fleet-seed)" >&2; exit 1; }
done
[[ -n "${redis_server}" ]] || { echo "redis_rpc: redis-server is missing (scripts/install-deps.sh)" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
trap bench_cleanup EXIT

mapfile -t hub_env < <(BENCH_DEVICES="${BENCH_DEVICES:-200}" BENCH_USERS="${BENCH_USERS:-20}" \
  BENCH_SIGNED="${BENCH_SIGNED:-100}" BUILD_DIR="${build}" \
  "${root}/bench/provision.sh" "${work}/data" "${work}/fixture.json")

start_redis "${work}"

metric_sum() {  # metric_sum PORT REGEX: the sum of the series whose name+labels match
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ n {s += $2} END {printf "%d\n", s}'
}
# What is counted around each run (the whole run: warm-up included).
series=('^iothub_redis_command_seconds_count'
  '^iothub_hook_latency_seconds_count[{]hook="message.publish"'
  '^iothub_rpc_requests_total.*outcome="accepted"' '^iothub_rpc_responses_total')

for mode in local redis; do
  extra_env=()
  [[ "${mode}" = redis ]] && extra_env=("IOTHUB_CLUSTER__REDIS_URL=redis://127.0.0.1:${redis_port}/0")
  start_hub "${work}/hub-${mode}.log" "${hub_env[@]}" "${extra_env[@]}" -- \
    --data-dir "${work}/data" serve --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0
  hub_pid="${hub_started_pid}" grpc_port="${hub_started_port}"
  http_port="${hub_started_http_port}"
  before=()
  for s in "${series[@]}"; do before+=("$(metric_sum "${http_port}" "${s}")"); done
  "${load}" --target "127.0.0.1:${grpc_port}" --fixture "${work}/fixture.json" --prime \
    --prime-connections 4 --publish-mode rpc --mix publish=1 \
    --concurrency "${BENCH_CONCURRENCY:-4}" --duration-s "${BENCH_DURATION_S:-10}" \
    --warmup-s "${BENCH_WARMUP_S:-2}" --json >"${work}/${mode}.json"
  counts=()
  for i in "${!series[@]}"; do
    counts+=($(($(metric_sum "${http_port}" "${series[$i]}") - before[i])))
  done
  echo "${counts[*]}" >"${work}/${mode}.counts"
  kill "${hub_pid}"
  wait "${hub_pid}" 2>/dev/null || true
done

python3 - "${work}" <<'PY'
import json, sys
work = sys.argv[1]
print(f"{'mode':6} {'calls/s':>9} {'p50 us':>8} {'p99 us':>8} {'redis cmds/publish':>20} "
      f"{'accepted requests':>18} {'passed replies':>15}")
for mode in ("local", "redis"):
    publish = json.load(open(f"{work}/{mode}.json"))["hooks"]["message.publish"]
    redis, publishes, accepted, replies = map(int, open(f"{work}/{mode}.counts").read().split())
    print(f"{mode:6} {publish['calls_per_s']:>9} {publish['p50_us']:>8} {publish['p99_us']:>8} "
          f"{redis / max(1, publishes):>20.2f} {accepted:>18} {replies:>15}")
PY
