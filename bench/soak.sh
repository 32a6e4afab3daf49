#!/usr/bin/env bash
# bench/soak.sh MINUTES: the hub under a steady, churning load for MINUTES minutes (>= 2),
# watching for leaks.
#
# Provisions a fleet (bench/provision.sh), starts `iot-hub serve`, measures its peak
# calls/s with 3 s of the realistic closed loop, then runs one hook-load per minute at
# half that rate (--rate): every minute re-authenticates and connects the fixture's
# clients (--prime), and the mix itself connects, disconnects, authorizes and makes RPC
# round trips (requests answered by their devices). Meanwhile the CLI keeps changing the
# registry on the same data dir (binds and unbinds devices, moves a user between plans),
# so the hub keeps reloading its snapshot. After each minute: the hub's RSS, open file
# descriptors and threads.
#
# Verdict (exit 0 when all hold), the first half of the run (at least one minute) being
# the warm-up -- bounded caches (RPC dedupe ids, answered ids kept for the RPC timeout,
# allocator arenas) fill during the first minutes; a leak keeps growing after that:
#   - RSS at the end at most 5% above RSS after the warm-up;
#   - no more open fds and no more threads than after the warm-up;
#   - no failed hook call, no refused fixture client, no error line in the hub's log.
#
# Environment: BUILD_DIR (default build), SOAK_CONCURRENCY (hook-load --concurrency,
# default 64), SOAK_WARMUP_MINUTES (default: half the run, rounded up), and
# bench/provision.sh's BENCH_* variables.
set -euo pipefail

minutes="${1:-}"
if [[ ! "${minutes}" =~ ^[0-9]+$ || "${minutes}" -lt 2 ]]; then
  echo "usage: $0 MINUTES   (at least 2: the first one is the warm-up)" >&2
  exit 2
fi
warmup_minutes="${SOAK_WARMUP_MINUTES:-$(((minutes + 1) / 2))}"
if [[ ! "${warmup_minutes}" =~ ^[0-9]+$ || "${warmup_minutes}" -lt 1 ||
  "${warmup_minutes}" -ge "${minutes}" ]]; then
  echo "soak: SOAK_WARMUP_MINUTES must be 1..$((minutes - 1))" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build}"
[[ "${build}" = /* ]] || build="${root}/${build}"
hub="${build}/iot-hub"
hook_load="${build}/bench/hook-load"
for bin in "${hub}" "${hook_load}" "${build}/bench/fleet-seed"; do
  if [[ ! -x "${bin}" ]]; then
    echo "soak: ${bin} is missing; build the targets iot-hub hook-load fleet-seed" >&2
    exit 1
  fi
done

work="$(mktemp -d -t iothub-soak.XXXXXX)"
hub_pid=""
churn_pid=""
cleanup() {
  local pid
  for pid in ${churn_pid} ${hub_pid}; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in ${churn_pid} ${hub_pid}; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

data_dir="${work}/data"
mkdir -p "${data_dir}"
echo "soak: provisioning" >&2
hub_env=()
while IFS= read -r line; do
  [[ "${line}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && hub_env+=("${line}")
done < <(BUILD_DIR="${build}" "${root}/bench/provision.sh" "${data_dir}" "${work}/fixture.json")
cli() { env "${hub_env[@]}" "${hub}" --data-dir "${data_dir}" "$@"; }

env "${hub_env[@]}" "${hub}" --data-dir "${data_dir}" serve --grpc-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 >"${work}/hub.log" 2>&1 &
hub_pid=$!
port=""
for _ in $(seq 600); do
  port="$(grep -oE 'ExHook \(v2 and v3\) on port [0-9]+' "${work}/hub.log" | grep -oE '[0-9]+$' ||
    true)"
  [[ -n "${port}" ]] && break
  kill -0 "${hub_pid}" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "${port}" ]]; then
  echo "soak: the hub did not start:" >&2
  cat "${work}/hub.log" >&2
  exit 1
fi

# load RATE SECONDS WARMUP: one hook-load run of the realistic mix; prints its JSON.
load() {
  "${hook_load}" --target "127.0.0.1:${port}" --server-pid "${hub_pid}" \
    --fixture "${work}/fixture.json" --prime --prime-connections 4 \
    --concurrency "${SOAK_CONCURRENCY:-64}" --rate "$1" --duration-s "$2" --warmup-s "$3" --json
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

peak="$(load 0 3 1 | field "['calls_per_s']")"
rate="$(python3 -c "print(round(${peak} / 2))")"
echo "soak: peak ${peak} calls/s; ${minutes} minutes at ${rate} calls/s" >&2

# The CLI's churn: a few spare devices bound and unbound in turn, a user's plan toggled.
churn_user="$(cli user create --email soak@example.com --name "Soak Churn" --plan pro |
  python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")"
for i in 1 2 3 4; do cli device create "soak-churn-${i}" >/dev/null; done
(
  i=0
  while true; do
    device="soak-churn-$((i % 4 + 1))"
    cli device bind "${device}" "${churn_user}" >/dev/null
    cli user set-plan "${churn_user}" "$([[ $((i % 2)) = 0 ]] && echo free || echo pro)" \
      >/dev/null 2>&1 || true  # free may hold fewer devices: refused, which is fine
    sleep 1
    cli device unbind "${device}" >/dev/null
    sleep 1
    i=$((i + 1))
  done
) >"${work}/churn.log" 2>&1 &
churn_pid=$!

# sample: "rss_kb fds threads" of the hub.
sample() {
  echo "$(awk '/^VmRSS:/ {print $2}' "/proc/${hub_pid}/status")" \
    "$(find "/proc/${hub_pid}/fd" -mindepth 1 -maxdepth 1 | wc -l)" \
    "$(awk '/^Threads:/ {print $2}' "/proc/${hub_pid}/status")"
}

samples="${work}/samples.jsonl"
for minute in $(seq "${minutes}"); do
  result="$(load "${rate}" 58 0)"
  sleep 2  # let the finished run's connection close
  read -r rss fds threads <<<"$(sample)"
  printf '{"minute":%d,"rss_kb":%d,"fds":%d,"threads":%d,"result":%s}\n' "${minute}" \
    "${rss}" "${fds}" "${threads}" "${result}" >>"${samples}"
  echo "soak: minute ${minute}/${minutes}: rss ${rss} kB, fds ${fds}, threads ${threads}," \
    "$(field "['calls_per_s']" <<<"${result}") calls/s," \
    "$(field "['errors']" <<<"${result}") errors" >&2
done
kill -TERM "${churn_pid}" 2>/dev/null || true
wait "${churn_pid}" 2>/dev/null || true
churn_pid=""

python3 - "${samples}" "${work}/hub.log" "${peak}" "${rate}" "${warmup_minutes}" <<'EOF'
import json, re, sys
samples = [json.loads(line) for line in open(sys.argv[1])]
log = open(sys.argv[2], errors="replace").read().splitlines()
warm, last = samples[int(sys.argv[5]) - 1], samples[-1]
growth = (last["rss_kb"] - warm["rss_kb"]) / warm["rss_kb"] * 100
errors = sum(s["result"]["errors"] for s in samples)
refused = sum((s["result"].get("prime") or {}).get("refused", 0) for s in samples)
error_lines = [l for l in log if re.search(r" (error|critical) |\"level\":\"(error|critical)\"", l)]
checks = {
    f"RSS {warm['rss_kb']} -> {last['rss_kb']} kB after the warm-up"
    f" (minute {warm['minute']}): {growth:+.1f}% <= 5%": growth <= 5,
    f"open fds {warm['fds']} -> {last['fds']} (no growth)": last["fds"] <= warm["fds"],
    f"threads {warm['threads']} -> {last['threads']} (no growth)":
        last["threads"] <= warm["threads"],
    f"failed hook calls: {errors}": errors == 0,
    f"refused fixture clients: {refused}": refused == 0,
    f"error lines in the hub's log: {len(error_lines)}": not error_lines,
}
print(json.dumps({"peak_calls_per_s": float(sys.argv[3]), "rate": float(sys.argv[4]),
                  "warmup_minutes": int(sys.argv[5]),
                  "minutes": [{k: s[k] for k in ("minute", "rss_kb", "fds", "threads")} |
                              {"calls_per_s": s["result"]["calls_per_s"],
                               "errors": s["result"]["errors"]} for s in samples]}))
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
for line in error_lines[:5]:
    print("  " + line)
ok = all(checks.values())
print("soak: " + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
