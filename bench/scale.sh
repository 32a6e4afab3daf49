#!/usr/bin/env bash
# bench/scale.sh [SCENARIO ...]: does the hub keep its speed as the fleet grows?
#
# Each scenario compares two servers in ONE run of the same binaries, alternating the
# load between them round by round (A, B, A, B, ...) so that noise on a shared machine
# falls on both alike:
#   auth       client.authenticate (mix authenticate=100, devices only) with
#              SCALE_AUTH_DEVICES (100,000) registered devices vs SCALE_AUTH_SMALL (1,000);
#              target ratio >= 0.8. Also: registry memory per device (RSS of the hub after
#              loading the fleet minus RSS on an empty data dir, / devices) and start-up
#              time (spawn to the "serving" log line) of each hub.
#   authorize  client.authorize (mix authorize=100) with SCALE_AUTHZ_DEVICES (1,000,000)
#              devices + SCALE_AUTHZ_USERS (100,000) users vs SCALE_AUTHZ_SMALL (1,000)
#              devices + as many users as signed devices (the fixtures then have the same
#              shape: one signed device per fixture user); target ratio >= 0.8. Every
#              fixture client is authenticated and connected first (hook-load --prime).
#   publish    message.publish, RPC requests and responses alternating with fresh ids
#              (hook-load rpc mode) while SCALE_PENDING (10,000) earlier requests stay
#              pending ([rpc] timeout_ms = 30000), hub vs the do-nothing baseline; target
#              ratio >= 0.8. Also: memory per pending request (hub RSS after the prefill
#              minus before, / requests let through; the dedupe cache is filled by a
#              warm-up run first so that it does not grow during the prefill) and the
#              hub's iothub_rpc_pending gauge.
#   jwt        JWT verifications/s per algorithm: the auth unit test's throughput case
#              (build target auth_test).
# With no argument: all four. Prints one JSON summary and a table; writes every run and
# the summary to bench/results/scale-<timestamp>.json.
#
# Environment:
#   BUILD_DIR            build directory (default: build), relative to the repository root;
#                        needs iot-hub, bench/hook-load, bench/baseline-server,
#                        bench/fleet-seed (and auth_test for jwt)
#   SCALE_ROUNDS         rounds per comparison (default 3; single rounds vary by
#                        +-15% on a busy 2-core machine)
#   SCALE_DURATION_S     measured seconds per run (default 5)
#   SCALE_WARMUP_S       warm-up seconds per run (default 1)
#   SCALE_LOAD_ARGS      extra hook-load options for every run (e.g. "--concurrency 128")
#   SCALE_SIGNED         devices with real certificates, the fixtures' devices (default 1000)
#   SCALE_AUTH_DEVICES / SCALE_AUTH_SMALL                      (100000 / 1000)
#   SCALE_AUTHZ_DEVICES / SCALE_AUTHZ_USERS / SCALE_AUTHZ_SMALL (1000000 / 100000 / 1000)
#   SCALE_PUB_DEVICES / SCALE_PUB_USERS / SCALE_PENDING         (10000 / 1000 / 10000)
#   SCALE_CACHE_DIR      keep seeded fleets here and reuse them (keyed by their sizes);
#                        default: seed into a temporary directory, removed at exit
#   SCALE_START_TIMEOUT_S  longest hub start-up accepted (default 600)
#   SCALE_KEEP           1: keep the work directory (logs, records) at exit
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build}"
[[ "${build}" = /* ]] || build="${root}/${build}"
rounds="${SCALE_ROUNDS:-3}"
duration="${SCALE_DURATION_S:-5}"
warmup="${SCALE_WARMUP_S:-1}"
signed="${SCALE_SIGNED:-1000}"
start_timeout_s="${SCALE_START_TIMEOUT_S:-600}"
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(auth authorize publish jwt)
for s in "${scenarios[@]}"; do
  case "${s}" in auth | authorize | publish | jwt) ;; *)
    echo "scale: unknown scenario '${s}' (auth, authorize, publish, jwt)" >&2
    exit 2
    ;;
  esac
done

hub="${build}/iot-hub"
hook_load="${build}/bench/hook-load"
baseline_server="${build}/bench/baseline-server"
fleet_seed="${build}/bench/fleet-seed"
for bin in "${hub}" "${hook_load}" "${baseline_server}" "${fleet_seed}"; do
  if [[ ! -x "${bin}" ]]; then
    echo "scale: ${bin} is missing; build the targets iot-hub hook-load baseline-server" \
      "fleet-seed" >&2
    exit 1
  fi
done

work="$(mktemp -d -t iothub-scale.XXXXXX)"
cache="${SCALE_CACHE_DIR:-${work}/fleets}"
mkdir -p "${cache}"
records="${work}/records.jsonl"
: >"${records}"
pids=()
load_pid=""
cleanup() {
  local status=$? pid
  for pid in ${load_pid} "${pids[@]}"; do
    kill -TERM "${pid}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "${pid}" 2>/dev/null || true
  done
  if [[ "${status}" -ne 0 ]]; then
    for log in "${work}"/*.log; do
      [[ -s "${log}" ]] || continue
      echo "scale: failed (${status}); ${log} ends:" >&2
      tail -n 5 "${log}" >&2
    done
  fi
  if [[ "${SCALE_KEEP:-0}" = 1 ]]; then
    echo "scale: kept ${work}" >&2
  else
    rm -rf "${work}"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "scale: $*" >&2; }
now_s() { date +%s.%N; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# record JSON: one line of the run's record file.
record() { printf '%s\n' "$1" >>"${records}"; }

# seed DEVICES USERS SIGNED JWT(0|1): a fleet directory (data/, fixture.json, hub.env,
# seed.json), reused from SCALE_CACHE_DIR when there. Prints its path.
seed() {
  local devices="$1" users="$2" signed_n="$3" jwt="$4"
  local dir="${cache}/fleet-${devices}d-${users}u-${signed_n}s-jwt${jwt}"
  if [[ -s "${dir}/seed.json" && -s "${dir}/fixture.json" ]]; then
    log "reusing the fleet in ${dir}"
  else
    rm -rf "${dir}"
    mkdir -p "${dir}"
    local secret="" secret_args=()
    if [[ "${jwt}" = 1 ]]; then
      secret="scale-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
      secret_args=(--jwt-secret "${secret}")
    fi
    log "seeding ${devices} devices, ${users} users, ${signed_n} signed into ${dir}"
    "${fleet_seed}" --data-dir "${dir}/data" --devices "${devices}" --users "${users}" \
      --signed "${signed_n}" --plan pro --fixture "${dir}/fixture.json" "${secret_args[@]}" \
      >"${dir}/seed.json.tmp"
    {
      [[ -n "${secret}" ]] && echo "IOTHUB_JWT__HS256_SECRET=${secret}"
      echo "IOTHUB_PLANS__PRO__RPC_PER_MINUTE=1000000"
      echo "IOTHUB_RPC__TIMEOUT_MS=30000"
    } >"${dir}/hub.env"
    mv "${dir}/seed.json.tmp" "${dir}/seed.json"
  fi
  echo "${dir}"
}

# start_hub NAME DATA_DIR ENV_FILE: starts `iot-hub serve` on free ports and waits for
# its "serving" line. Sets HUB_PID, HUB_PORT, HUB_HTTP, HUB_STARTUP_S, HUB_RSS_KB (1 s
# after serving).
start_hub() {
  local name="$1" data_dir="$2" env_file="$3" env_args=() line t0 t1 serving=""
  if [[ -n "${env_file}" ]]; then
    while IFS= read -r line; do env_args+=("${line}"); done <"${env_file}"
  fi
  mkdir -p "${data_dir}"
  t0="$(now_s)"
  env "${env_args[@]}" "${hub}" --data-dir "${data_dir}" serve --grpc-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 >"${work}/${name}.log" 2>&1 &
  HUB_PID=$!
  pids+=("${HUB_PID}")
  local deadline=$(($(date +%s) + start_timeout_s))
  while [[ -z "${serving}" ]]; do
    serving="$(grep -E -m1 'serving ExHook .* on port [0-9]+' "${work}/${name}.log" || true)"
    [[ -n "${serving}" ]] && break
    if ! kill -0 "${HUB_PID}" 2>/dev/null || [[ $(date +%s) -gt ${deadline} ]]; then
      log "hub ${name} did not start; its log:"
      cat "${work}/${name}.log" >&2
      return 1
    fi
    sleep 0.02
  done
  t1="$(now_s)"
  HUB_PORT="$(grep -oE 'on port [0-9]+' <<<"${serving}" | head -n1 | grep -oE '[0-9]+$')"
  HUB_HTTP="$(grep -oE 'HTTP on port [0-9]+' <<<"${serving}" | grep -oE '[0-9]+$')"
  HUB_STARTUP_S="$(awk -v a="${t0}" -v b="${t1}" 'BEGIN {printf "%.3f", b - a}')"
  sleep 1
  HUB_RSS_KB="$(rss_kb "${HUB_PID}")"
  log "hub ${name}: pid ${HUB_PID}, port ${HUB_PORT}, HTTP ${HUB_HTTP}," \
    "started in ${HUB_STARTUP_S} s, RSS ${HUB_RSS_KB} kB"
}

stop_server() {
  local pid="$1" kept=() p
  kill -TERM "${pid}" 2>/dev/null || true
  wait "${pid}" 2>/dev/null || true
  for p in "${pids[@]}"; do [[ "${p}" = "${pid}" ]] || kept+=("${p}"); done
  pids=("${kept[@]}")
}

start_baseline() {
  "${baseline_server}" --listen 127.0.0.1:0 >"${work}/baseline.log" 2>&1 &
  BASE_PID=$!
  pids+=("${BASE_PID}")
  local line=""
  for _ in $(seq 300); do
    line="$(grep -E -m1 '^listening on [0-9]+' "${work}/baseline.log" || true)"
    [[ -n "${line}" ]] && break
    sleep 0.05
  done
  [[ -n "${line}" ]] || { log "baseline-server did not start"; return 1; }
  BASE_PORT="$(grep -oE '[0-9]+$' <<<"${line}")"
}

# load SCENARIO SERVER ROUND PORT PID ARGS...: one hook-load run, recorded.
load() {
  local scenario="$1" server="$2" round="$3" port="$4" pid="$5"
  shift 5
  # shellcheck disable=SC2086  # SCALE_LOAD_ARGS is a list of options
  "${hook_load}" --target "127.0.0.1:${port}" --server-pid "${pid}" --json "$@" \
    ${SCALE_LOAD_ARGS:-} >"${work}/load.json" &
  load_pid=$!
  wait "${load_pid}"
  load_pid=""
  record "$(printf '{"scenario":"%s","type":"run","server":"%s","round":%s,"result":%s}' \
    "${scenario}" "${server}" "${round}" "$(cat "${work}/load.json")")"
}

# hub_fact SCENARIO SERVER DIR: the hub's start-up facts and its fleet's seeding.
hub_fact() {
  record "$(printf '{"scenario":"%s","type":"hub","server":"%s","startup_s":%s,"rss_kb":%s,"seed":%s}' \
    "$1" "$2" "${HUB_STARTUP_S}" "${HUB_RSS_KB}" "$(cat "$3/seed.json" 2>/dev/null || echo null)")"
}

window=(--duration-s "${duration}" --warmup-s "${warmup}")
record "$(printf '{"type":"meta","loadavg_start":"%s"}' "$(cut -d' ' -f1-3 /proc/loadavg)")"

# An empty data dir: the hub's own footprint, for the memory per device.
empty_hub_rss() {
  if [[ -z "${EMPTY_RSS_KB:-}" ]]; then
    start_hub empty "${work}/empty-data" ""
    EMPTY_RSS_KB="${HUB_RSS_KB}"
    record "$(printf '{"scenario":"empty","type":"hub","server":"empty","startup_s":%s,"rss_kb":%s}' \
      "${HUB_STARTUP_S}" "${HUB_RSS_KB}")"
    stop_server "${HUB_PID}"
  fi
}

# compare SCENARIO SMALL_DIR LARGE_DIR PRIME(0|1) MIX: the two hubs, alternating.
compare() {
  local scenario="$1" small_dir="$2" large_dir="$3" prime="$4" mix="$5"
  local small_pid small_port large_pid large_port
  start_hub "${scenario}-small" "${small_dir}/data" "${small_dir}/hub.env"
  small_pid="${HUB_PID}" small_port="${HUB_PORT}"
  hub_fact "${scenario}" small "${small_dir}"
  start_hub "${scenario}-large" "${large_dir}/data" "${large_dir}/hub.env"
  large_pid="${HUB_PID}" large_port="${HUB_PORT}"
  hub_fact "${scenario}" large "${large_dir}"
  if [[ "${prime}" = 1 ]]; then
    # Once per hub: authenticate and connect every fixture client, then only the load.
    load "${scenario}" small 0 "${small_port}" "${small_pid}" --fixture "${small_dir}/fixture.json" \
      --prime --setup-only
    load "${scenario}" large 0 "${large_port}" "${large_pid}" --fixture "${large_dir}/fixture.json" \
      --prime --setup-only
  fi
  for round in $(seq "${rounds}"); do
    log "${scenario}: round ${round}/${rounds}: small"
    load "${scenario}" small "${round}" "${small_port}" "${small_pid}" \
      --fixture "${small_dir}/fixture.json" --mix "${mix}" "${window[@]}"
    log "${scenario}: round ${round}/${rounds}: large"
    load "${scenario}" large "${round}" "${large_port}" "${large_pid}" \
      --fixture "${large_dir}/fixture.json" --mix "${mix}" "${window[@]}"
  done
  stop_server "${small_pid}"
  stop_server "${large_pid}"
}

for scenario in "${scenarios[@]}"; do
  case "${scenario}" in
    auth)
      large_n="${SCALE_AUTH_DEVICES:-100000}" small_n="${SCALE_AUTH_SMALL:-1000}"
      k=$((signed < small_n ? signed : small_n))
      small_dir="$(seed "${small_n}" $(((small_n + 9) / 10)) "${k}" 0)"
      large_dir="$(seed "${large_n}" $(((large_n + 9) / 10)) "${k}" 0)"
      empty_hub_rss
      compare auth "${small_dir}" "${large_dir}" 0 authenticate=100
      ;;
    authorize)
      large_n="${SCALE_AUTHZ_DEVICES:-1000000}" large_u="${SCALE_AUTHZ_USERS:-100000}"
      small_n="${SCALE_AUTHZ_SMALL:-1000}"
      k=$((signed < small_n ? signed : small_n))
      small_dir="$(seed "${small_n}" "${k}" "${k}" 1)"
      large_dir="$(seed "${large_n}" "${large_u}" "${k}" 1)"
      empty_hub_rss
      compare authorize "${small_dir}" "${large_dir}" 1 authorize=100
      ;;
    publish)
      pub_n="${SCALE_PUB_DEVICES:-10000}" pub_u="${SCALE_PUB_USERS:-1000}"
      pending="${SCALE_PENDING:-10000}"
      dir="$(seed "${pub_n}" "${pub_u}" "${signed}" 1)"
      start_baseline
      start_hub publish-hub "${dir}/data" "${dir}/hub.env"
      hub_fact publish hub "${dir}"
      hub_pid="${HUB_PID}" hub_port="${HUB_PORT}"
      metrics=(--metrics-url "http://127.0.0.1:${HUB_HTTP}/metrics" --metric iothub_rpc_pending)
      common=(--fixture "${dir}/fixture.json" --mix publish=100 --prime)
      # Round 0 (not compared): fills the hub's dedupe cache and rate-limiter state, so
      # that the measured prefills grow only the pending table.
      log "publish: warm-up runs"
      load publish baseline 0 "${BASE_PORT}" "${BASE_PID}" "${common[@]}" --duration-s 3 --warmup-s 0
      load publish hub 0 "${hub_port}" "${hub_pid}" "${common[@]}" --duration-s 3 --warmup-s 0 \
        "${metrics[@]}"
      for round in $(seq "${rounds}"); do
        log "publish: round ${round}/${rounds}: baseline"
        load publish baseline "${round}" "${BASE_PORT}" "${BASE_PID}" "${common[@]}" \
          --prefill "${pending}" "${window[@]}"
        log "publish: round ${round}/${rounds}: hub"
        load publish hub "${round}" "${hub_port}" "${hub_pid}" "${common[@]}" \
          --prefill "${pending}" "${window[@]}" "${metrics[@]}"
      done
      stop_server "${BASE_PID}"
      stop_server "${hub_pid}"
      ;;
    jwt)
      auth_test="${build}/auth_test"
      if [[ -x "${auth_test}" ]]; then
        log "jwt: ${auth_test} --gtest_filter='*Throughput*'"
        "${auth_test}" --gtest_filter='*Throughput*' >"${work}/jwt.log" 2>&1 || true
        python3 - "${work}/jwt.log" >>"${records}" <<'EOF'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
rates = {}
for line in lines:
    m = re.search(r"\[ jwt\s*\] (\S+): ([0-9.]+) verifications/s", line)
    if m:
        rates[m.group(1)] = float(m.group(2))
print(json.dumps({"scenario": "jwt", "type": "jwt", "verifications_per_s": rates,
                  "lines": [l for l in lines if "[ jwt" in l],
                  "passed": any("[  PASSED  ]" in l for l in lines)}))
EOF
      else
        log "jwt: ${auth_test} is missing (build the target auth_test); skipped"
        record '{"scenario":"jwt","type":"jwt","skipped":"auth_test not built"}'
      fi
      ;;
  esac
done

record "$(printf '{"type":"meta","loadavg_end":"%s"}' "$(cut -d' ' -f1-3 /proc/loadavg)")"
mkdir -p "${root}/bench/results"
out="${root}/bench/results/scale-$(date -u +%Y%m%dT%H%M%SZ).json"
python3 "${root}/bench/scale_summary.py" "${records}" "${out}" \
  --meta "host=$(hostname)" "cores=$(nproc)" \
  "commit=$(git -C "${root}" rev-parse --short HEAD 2>/dev/null || echo none)" \
  "rounds=${rounds}" "duration_s=${duration}" "warmup_s=${warmup}" \
  "load_args=${SCALE_LOAD_ARGS:-}"
log "results in ${out}"
