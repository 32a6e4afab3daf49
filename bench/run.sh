#!/usr/bin/env bash
# make bench: the hub against a do-nothing ExHook server on the same transport.
#
# Starts bench/baseline-server and `iot-hub serve` on free loopback ports, then runs
# hook-load against each with the same options, alternating (baseline, hub, baseline,
# hub, ...) so that noise on the shared machine falls on both alike. Prints a table and
# writes every run plus the summary to bench/results/<timestamp>.json. Each mix of
# BENCH_MIXES is measured in turn: "realistic" (the fixture's clients doing what they may)
# and "hostile" (hook-load --hostile: unknown clients, bad tokens, denied topics, invalid
# RPC payloads). For each hub run, the lines and bytes the hub logged during it are
# reported too (per second): under a hostile load they must stay flat.
#
# Cluster mode (BENCH_MODE=cluster, or `make bench-cluster`): a third server joins the
# rotation (baseline, hub, cluster, ...): two hubs on one PostgreSQL 15 and one Redis 7,
# all three started here on free loopback ports in temporary directories and stopped at
# the end. The cluster's fleet is seeded into PostgreSQL by the same provision.sh (same
# sizes, its own CA and credentials); both hubs get a copy of its CA. One hook-load
# drives both hubs: users' calls go through the first hub and devices' through the
# second, so every RPC request passes hub A and its response hub B. Reported on top:
# the CPU of both hubs per call, RPC request/response pairs per second, and per hook
# call the Redis commands (INFO commandstats) and round trips (the hubs' metrics) and
# the PostgreSQL statements (pg_stat_statements) and transactions, counted over the
# measured window; and the issue's targets on the realistic mix: cluster CPU per call
# <= 1.5x the single hub's, RPC pairs/s >= 0.6x (PASS/FAIL printed; the exit status
# stays 0: it is a report). The load is a closed loop: each server gets calls as fast as
# it answers them, so a slower cluster spreads its fixed costs (timers, heartbeats) over
# fewer calls; BENCH_LOAD_ARGS="--rate N" compares the CPU per call at one offered load.
#
# Environment:
#   BUILD_DIR          build directory (default: build), relative to the repository root
#   BENCH_MODE         single (default: baseline and hub) or cluster (also the cluster)
#   BENCH_MIXES        mixes to measure, in order (default "realistic hostile")
#   BENCH_ROUNDS       rounds of (baseline, hub[, cluster]) per mix (default 2)
#   BENCH_DURATION_S   measured seconds per run (default 5)
#   BENCH_WARMUP_S     warm-up seconds per run (default 1)
#   BENCH_LOAD_ARGS    extra hook-load options for every run, e.g. "--concurrency 128 --service v3"
#   BENCH_FIXTURE      a hook-load --fixture file (real devices and users) for baseline
#                      and hub (the cluster always uses the fleet it seeds)
#   BENCH_HUB_ARGS     extra `iot-hub serve` options
#   BENCH_CLUSTER_GRPC_THREADS  queue threads of each cluster hub (default 1: two hubs
#                      on this machine's cores have as many as the single hub)
#   BENCH_CLUSTER_ENV  extra KEY=VALUE environment of the cluster's hubs, e.g.
#                      "IOTHUB_CLUSTER__REDIS_CONNECTIONS=16"
#   BENCH_PRIME        1 (default): with a fixture, hook-load --prime authenticates and
#                      connects every fixture client before the load (--prime-connections
#                      4, so a mix with client.disconnected does not end their sessions)
#   BENCH_START_TIMEOUT_S  seconds the hub may take to start (default 120; large fleets)
#   BENCH_RESULTS_DIR  where the results JSON goes (default bench/results, untracked)
#   BENCH_KEEP         1: keep the work directory (logs, fixtures, runs) at exit
# If bench/provision.sh exists and is executable, it is called as
#   provision.sh DATA_DIR FIXTURE_PATH
# before the hub starts: it prepares the hub's data dir and may write a fixture there
# (used when BENCH_FIXTURE is not set). The KEY=VALUE lines it prints on stdout are the
# hub's environment (e.g. IOTHUB_JWT__HS256_SECRET for the fixture's JWTs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${root}/bench/lib.sh"
build="${BUILD_DIR:-build}"
[[ "${build}" = /* ]] || build="${root}/${build}"
rounds="${BENCH_ROUNDS:-2}"
mode="${BENCH_MODE:-single}"
servers=(baseline hub)
case "${mode}" in
  single) ;;
  cluster) servers+=(cluster) ;;
  *) echo "bench: BENCH_MODE: unknown mode '${mode}' (single, cluster)" >&2 && exit 2 ;;
esac
read -r -a mixes <<<"${BENCH_MIXES:-realistic hostile}"
for mix in "${mixes[@]}"; do
  if [[ "${mix}" != realistic && "${mix}" != hostile ]]; then
    echo "bench: BENCH_MIXES: unknown mix '${mix}' (realistic, hostile)" >&2
    exit 2
  fi
done
duration="${BENCH_DURATION_S:-5}"
warmup="${BENCH_WARMUP_S:-1}"
fixture="${BENCH_FIXTURE:-}"
start_timeout_s="${BENCH_START_TIMEOUT_S:-120}"

hook_load="${build}/bench/hook-load"
baseline_server="${build}/bench/baseline-server"
hub="${build}/iot-hub"
for bin in "${hook_load}" "${baseline_server}" "${hub}"; do
  if [[ ! -x "${bin}" ]]; then
    echo "bench: ${bin} is missing; build the targets hook-load baseline-server iot-hub" >&2
    exit 1
  fi
done
if [[ "${mode}" = cluster ]]; then
  for tool in redis-server redis-cli psql curl "${pg_bindir}/pg_ctl"; do
    command -v "${tool}" >/dev/null ||
      { echo "bench: ${tool} is missing (scripts/install-deps.sh)" >&2 && exit 1; }
  done
  [[ -x "${root}/bench/provision.sh" ]] ||
    { echo "bench: cluster mode seeds its fleet with bench/provision.sh" >&2 && exit 1; }
fi

work="$(mktemp -d -t iothub-bench.XXXXXX)"
pids=()
load_pid=""
cleanup() {
  local status=$? log
  if [[ "${status}" -ne 0 ]]; then
    for log in "${work}"/hub*.log; do
      [[ -s "${log}" ]] || continue
      echo "bench: failed (${status}); $(basename "${log}") ends:" >&2
      tail -n 20 "${log}" >&2
    done
  fi
  [[ -z "${load_pid}" ]] || kill -TERM "${load_pid}" 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# provision DATA_DIR FIXTURE [ENV...]: bench/provision.sh (with ENV) into DATA_DIR; its
# KEY=VALUE lines (the hub's environment) go to the array `provisioned`.
provision() {
  local output line
  output="$(env "${@:3}" BUILD_DIR="${build}" "${root}/bench/provision.sh" "$1" "$2")"
  provisioned=()
  while IFS= read -r line; do
    [[ "${line}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && provisioned+=("${line}")
  done <<<"${output}"
}

# The baseline.
"${baseline_server}" --listen 127.0.0.1:0 >"${work}/baseline.log" 2>&1 &
baseline_pid=$!
pids+=("${baseline_pid}")
baseline_port="$(wait_for_line "${work}/baseline.log" '^listening on [0-9]+' "${baseline_pid}" |
  grep -oE '[0-9]+$')"

# The hub, on a fresh data dir (provisioned first when bench/provision.sh is there).
data_dir="${work}/data"
mkdir -p "${data_dir}"
provisioned=()
if [[ -x "${root}/bench/provision.sh" ]]; then
  echo "bench: provisioning with bench/provision.sh" >&2
  provision "${data_dir}" "${work}/fixture.json"
  if [[ -z "${fixture}" && -s "${work}/fixture.json" ]]; then
    fixture="${work}/fixture.json"
  fi
fi
# shellcheck disable=SC2086  # BENCH_HUB_ARGS is a list of options
start_hub "${work}/hub.log" "${provisioned[@]}" -- --data-dir "${data_dir}" serve \
  --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 ${BENCH_HUB_ARGS:-}
hub_pid="${hub_started_pid}" hub_port="${hub_started_port}" hub_http_port="${hub_started_http_port}"

# The cluster: PostgreSQL and Redis, the fleet seeded into PostgreSQL, two hubs with a
# copy each of the fleet's CA (the rest of a hub's data dir is its own).
if [[ "${mode}" = cluster ]]; then
  echo "bench: starting PostgreSQL and Redis for the cluster" >&2
  mkdir -p "${work}/redis"
  start_redis "${work}/redis"
  start_postgres "$(mktemp -d -t iothub-bench-pg.XXXXXX)"
  provision "${work}/cluster-seed" "${work}/cluster-fixture.json" BENCH_POSTGRES_URL="${pg_url}"
  # shellcheck disable=SC2206  # BENCH_CLUSTER_ENV is a list of KEY=VALUE
  # The two hubs share this machine's cores: one queue thread each, so that the cluster
  # has as many as the single hub (grpc_threads = 0, one per core). On machines of
  # their own each hub would keep the default. BENCH_CLUSTER_GRPC_THREADS changes it.
  cluster_env=("${provisioned[@]}" "IOTHUB_CLUSTER__REDIS_URL=redis://127.0.0.1:${redis_port}/0"
    "IOTHUB_SERVER__GRPC_THREADS=${BENCH_CLUSTER_GRPC_THREADS:-1}" ${BENCH_CLUSTER_ENV:-})
  cluster_pids=() cluster_targets=() cluster_metrics=()
  for node in a b; do
    mkdir -p "${work}/cluster-${node}"
    cp -a "${work}/cluster-seed/ca" "${work}/cluster-${node}/ca"
    # shellcheck disable=SC2086  # BENCH_HUB_ARGS is a list of options
    start_hub "${work}/hub-${node}.log" "${cluster_env[@]}" -- \
      --data-dir "${work}/cluster-${node}" serve --grpc-listen 127.0.0.1:0 \
      --http-listen 127.0.0.1:0 ${BENCH_HUB_ARGS:-}
    cluster_pids+=(--server-pid "${hub_started_pid}")
    cluster_targets+=(--target "127.0.0.1:${hub_started_port}")
    cluster_metrics+=("http://127.0.0.1:${hub_started_http_port}/metrics")
  done
  cluster_fixture="${work}/cluster-fixture.json"
fi

load_args=(--duration-s "${duration}" --warmup-s "${warmup}" --json)
prime_args=()
[[ "${BENCH_PRIME:-1}" = 1 ]] && prime_args=(--prime --prime-connections 4)
# shellcheck disable=SC2206  # BENCH_LOAD_ARGS is a list of options
extra_load_args=(${BENCH_LOAD_ARGS:-})

echo "bench: servers ${servers[*]}; baseline pid ${baseline_pid} port ${baseline_port}; hub pid" \
  "${hub_pid} port ${hub_port}; mixes ${mixes[*]}; ${rounds} rounds of ${warmup}+${duration} s" \
  "each" >&2
runs="${work}/runs.jsonl"
for mix in "${mixes[@]}"; do
  mix_args=()
  [[ "${mix}" = hostile ]] && mix_args=(--hostile --publish-mode static)
  for round in $(seq "${rounds}"); do
    for name in "${servers[@]}"; do
      run_fixture="${fixture}" extra=() logs=("${work}/hub.log") counters="${work}/counters.jsonl"
      rm -f "${counters}"
      case "${name}" in
        baseline) extra=(--target "127.0.0.1:${baseline_port}" --server-pid "${baseline_pid}") ;;
        hub)
          extra=(--target "127.0.0.1:${hub_port}" --server-pid "${hub_pid}")
          [[ -n "${hub_http_port}" ]] &&
            extra+=(--metrics-url "http://127.0.0.1:${hub_http_port}/metrics")
          ;;
        cluster)
          run_fixture="${cluster_fixture}" logs=("${work}/hub-a.log" "${work}/hub-b.log")
          extra=("${cluster_targets[@]}" "${cluster_pids[@]}")
          for url in "${cluster_metrics[@]}"; do extra+=(--metrics-url "${url}"); done
          window="${root}/bench/window_counters.sh ${counters} ${redis_port} ${pg_admin_url}"
          extra+=(--window-command "${window} ${cluster_metrics[*]}")
          ;;
      esac
      [[ -n "${run_fixture}" ]] && extra+=(--fixture "${run_fixture}" "${prime_args[@]}")
      echo "bench: ${mix}: round ${round}/${rounds}: ${name}" >&2
      read -r -a log_before < <(cat "${logs[@]}" | wc -l -c)
      started_ms="$(date +%s%3N)"
      # In the background with `wait`, so that a signal interrupts the run at once.
      "${hook_load}" "${extra[@]}" "${load_args[@]}" "${mix_args[@]}" "${extra_load_args[@]}" \
        >"${work}/load.json" &
      load_pid=$!
      wait "${load_pid}"
      load_pid=""
      hub_log="null"
      if [[ "${name}" != baseline ]]; then
        sleep 1.2  # the hub flushes its log every second
        read -r -a log_after < <(cat "${logs[@]}" | wc -l -c)
        hub_log="$(printf '{"lines":%d,"bytes":%d,"millis":%d}' \
          $((log_after[0] - log_before[0])) $((log_after[1] - log_before[1])) \
          $(($(date +%s%3N) - started_ms)))"
      fi
      shared="null"
      [[ -s "${counters}" ]] && shared="[$(paste -sd, "${counters}")]"
      printf '{"mix":"%s","round":%d,"server":"%s","hub_log":%s,"shared":%s,"result":%s}\n' \
        "${mix}" "${round}" "${name}" "${hub_log}" "${shared}" "$(cat "${work}/load.json")" \
        >>"${runs}"
    done
  done
done

results_dir="${BENCH_RESULTS_DIR:-${root}/bench/results}"
mkdir -p "${results_dir}"
out="${results_dir}/$(date -u +%Y%m%dT%H%M%SZ).json"
python3 "${root}/bench/summarize.py" "${runs}" "${out}" \
  --meta "host=$(hostname)" "cores=$(nproc)" "mode=${mode}" \
  "commit=$(git -C "${root}" rev-parse --short HEAD 2>/dev/null || echo none)" \
  "load_args=${load_args[*]} ${prime_args[*]} ${extra_load_args[*]}" \
  "hub_args=${BENCH_HUB_ARGS:-}" "cluster_env=${BENCH_CLUSTER_ENV:-}"
echo "bench: results in ${out}" >&2
