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
# Environment:
#   BUILD_DIR          build directory (default: build), relative to the repository root
#   BENCH_MIXES        mixes to measure, in order (default "realistic hostile")
#   BENCH_ROUNDS       rounds of (baseline, hub) per mix (default 2)
#   BENCH_DURATION_S   measured seconds per run (default 5)
#   BENCH_WARMUP_S     warm-up seconds per run (default 1)
#   BENCH_LOAD_ARGS    extra hook-load options for every run, e.g. "--concurrency 128 --service v3"
#   BENCH_FIXTURE      a hook-load --fixture file (real devices and users) for both runs
#   BENCH_HUB_ARGS     extra `iot-hub serve` options
#   BENCH_PRIME        1 (default): with a fixture, hook-load --prime authenticates and
#                      connects every fixture client before the load (--prime-connections
#                      4, so a mix with client.disconnected does not end their sessions)
#   BENCH_START_TIMEOUT_S  seconds the hub may take to start (default 120; large fleets)
# If bench/provision.sh exists and is executable, it is called as
#   provision.sh DATA_DIR FIXTURE_PATH
# before the hub starts: it prepares the hub's data dir and may write a fixture there
# (used when BENCH_FIXTURE is not set). The KEY=VALUE lines it prints on stdout are the
# hub's environment (e.g. IOTHUB_JWT__HS256_SECRET for the fixture's JWTs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build}"
[[ "${build}" = /* ]] || build="${root}/${build}"
rounds="${BENCH_ROUNDS:-2}"
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

work="$(mktemp -d -t iothub-bench.XXXXXX)"
pids=()
load_pid=""
cleanup() {
  local status=$? pid
  if [[ "${status}" -ne 0 && -s "${work}/hub.log" ]]; then
    echo "bench: failed (${status}); the hub's log ends:" >&2
    tail -n 20 "${work}/hub.log" >&2
  fi
  for pid in ${load_pid} "${pids[@]}"; do
    kill -TERM "${pid}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "${pid}" 2>/dev/null || true
  done
  rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE REGEX PID [TIMEOUT_S]: prints the first line of FILE matching REGEX
# (extended), failing if PID exits first or TIMEOUT_S (default 15) seconds pass.
wait_for_line() {
  local file="$1" regex="$2" pid="$3" timeout_s="${4:-15}" line
  for _ in $(seq $((timeout_s * 10))); do
    if line="$(grep -E -m1 "${regex}" "${file}" 2>/dev/null)"; then
      echo "${line}"
      return 0
    fi
    if ! kill -0 "${pid}" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "bench: no '${regex}' from pid ${pid}; its output:" >&2
  cat "${file}" >&2
  return 1
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
hub_env=()
if [[ -x "${root}/bench/provision.sh" ]]; then
  echo "bench: provisioning with bench/provision.sh" >&2
  provisioned_env="$(BUILD_DIR="${build}" "${root}/bench/provision.sh" "${data_dir}" \
    "${work}/fixture.json")"
  while IFS= read -r line; do
    [[ "${line}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && hub_env+=("${line}")
  done <<<"${provisioned_env}"
  if [[ -z "${fixture}" && -s "${work}/fixture.json" ]]; then
    fixture="${work}/fixture.json"
  fi
fi
# shellcheck disable=SC2086  # BENCH_HUB_ARGS is a list of options
env "${hub_env[@]}" "${hub}" --data-dir "${data_dir}" serve --grpc-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 ${BENCH_HUB_ARGS:-} >"${work}/hub.log" 2>&1 &
hub_pid=$!
pids+=("${hub_pid}")
serving="$(wait_for_line "${work}/hub.log" 'serving ExHook .* on port [0-9]+' "${hub_pid}" \
  "${start_timeout_s}")"
hub_port="$(grep -oE 'on port [0-9]+' <<<"${serving}" | head -n1 | grep -oE '[0-9]+$')"
hub_http_port="$(grep -oE 'HTTP on port [0-9]+' <<<"${serving}" | grep -oE '[0-9]+$' || true)"

load_args=(--duration-s "${duration}" --warmup-s "${warmup}" --json)
if [[ -n "${fixture}" ]]; then
  load_args+=(--fixture "${fixture}")
  [[ "${BENCH_PRIME:-1}" = 1 ]] && load_args+=(--prime --prime-connections 4)
fi
# shellcheck disable=SC2206  # BENCH_LOAD_ARGS is a list of options
load_args+=(${BENCH_LOAD_ARGS:-})

echo "bench: baseline pid ${baseline_pid} port ${baseline_port}; hub pid ${hub_pid}" \
  "port ${hub_port}; mixes ${mixes[*]}; ${rounds} rounds of ${warmup}+${duration} s each" >&2
runs="${work}/runs.jsonl"
for mix in "${mixes[@]}"; do
  mix_args=()
  [[ "${mix}" = hostile ]] && mix_args=(--hostile --publish-mode static)
  for round in $(seq "${rounds}"); do
    for name in baseline hub; do
      extra=()
      if [[ "${name}" = baseline ]]; then port="${baseline_port}" pid="${baseline_pid}"
      else
        port="${hub_port}" pid="${hub_pid}"
        [[ -n "${hub_http_port}" ]] &&
          extra=(--metrics-url "http://127.0.0.1:${hub_http_port}/metrics")
      fi
      echo "bench: ${mix}: round ${round}/${rounds}: ${name}" >&2
      log_before=($(wc -l -c <"${work}/hub.log"))
      started_ms="$(date +%s%3N)"
      # In the background with `wait`, so that a signal interrupts the run at once.
      "${hook_load}" --target "127.0.0.1:${port}" --server-pid "${pid}" "${load_args[@]}" \
        "${mix_args[@]}" "${extra[@]}" >"${work}/load.json" &
      load_pid=$!
      wait "${load_pid}"
      load_pid=""
      hub_log="null"
      if [[ "${name}" = hub ]]; then
        sleep 1.2  # the hub flushes its log every second
        log_after=($(wc -l -c <"${work}/hub.log"))
        hub_log="$(printf '{"lines":%d,"bytes":%d,"millis":%d}' \
          $((log_after[0] - log_before[0])) $((log_after[1] - log_before[1])) \
          $(($(date +%s%3N) - started_ms)))"
      fi
      printf '{"mix":"%s","round":%d,"server":"%s","hub_log":%s,"result":%s}\n' "${mix}" \
        "${round}" "${name}" "${hub_log}" "$(cat "${work}/load.json")" >>"${runs}"
    done
  done
done

mkdir -p "${root}/bench/results"
out="${root}/bench/results/$(date -u +%Y%m%dT%H%M%SZ).json"
python3 "${root}/bench/summarize.py" "${runs}" "${out}" \
  --meta "host=$(hostname)" "cores=$(nproc)" "commit=$(git -C "${root}" rev-parse --short HEAD 2>/dev/null || echo none)" \
  "load_args=${load_args[*]}" "hub_args=${BENCH_HUB_ARGS:-}"
echo "bench: results in ${out}" >&2
