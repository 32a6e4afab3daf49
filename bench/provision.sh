#!/usr/bin/env bash
# bench/provision.sh DATA_DIR FIXTURE: a benchmark fleet for `make bench` (bench/run.sh).
#
# Seeds DATA_DIR with fleet-seed (CA, users, devices bound round-robin, real certificates
# for the first BENCH_SIGNED devices) and writes the hook-load fixture FIXTURE (the signed
# devices and their owners as real clients, authorize and RPC publish entries).
#
# Prints on stdout, one per line, the KEY=VALUE environment the hub must run with on this
# data dir (run.sh passes it to `iot-hub serve`); everything else goes to stderr:
#   IOTHUB_JWT__HS256_SECRET        the secret the fixture's user JWTs are signed with
#   IOTHUB_PLANS__PRO__RPC_PER_MINUTE  the users' plan (pro) raised to the config maximum,
#                                   so the load measures the RPC pipeline, not its limiter
#   IOTHUB_RPC__TIMEOUT_MS          30000: requests answered late in a long run still count
#   IOTHUB_STORE__BACKEND, IOTHUB_STORE__POSTGRES_URL  with BENCH_POSTGRES_URL
#
# Environment:
#   BUILD_DIR          build directory holding bench/fleet-seed (default: build)
#   BENCH_DEVICES      devices (default 1000)
#   BENCH_USERS        users (default 100)
#   BENCH_SIGNED       devices with a real certificate, the fixture's devices (default 200)
#   BENCH_JWT_SECRET   HS256 secret (default: random)
#   BENCH_SEED_ARGS    extra fleet-seed options
#   BENCH_POSTGRES_URL seed this (empty) PostgreSQL database instead of DATA_DIR/hub.db;
#                      DATA_DIR still gets the CA, which every hub on it needs a copy of
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 DATA_DIR FIXTURE" >&2
  exit 2
fi
data_dir="$1"
fixture="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build}"
[[ "${build}" = /* ]] || build="${root}/${build}"
seed="${build}/bench/fleet-seed"
if [[ ! -x "${seed}" ]]; then
  echo "provision: ${seed} is missing; build the target fleet-seed" >&2
  exit 1
fi

secret="${BENCH_JWT_SECRET:-bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}"
store_args=()
[[ -z "${BENCH_POSTGRES_URL:-}" ]] || store_args=(--postgres-url "${BENCH_POSTGRES_URL}")
# shellcheck disable=SC2086  # BENCH_SEED_ARGS is a list of options
"${seed}" --data-dir "${data_dir}" --devices "${BENCH_DEVICES:-1000}" \
  --users "${BENCH_USERS:-100}" --signed "${BENCH_SIGNED:-200}" --plan pro \
  --fixture "${fixture}" --jwt-secret "${secret}" "${store_args[@]}" ${BENCH_SEED_ARGS:-} >&2

echo "IOTHUB_JWT__HS256_SECRET=${secret}"
echo "IOTHUB_PLANS__PRO__RPC_PER_MINUTE=1000000"
echo "IOTHUB_RPC__TIMEOUT_MS=30000"
if [[ -n "${BENCH_POSTGRES_URL:-}" ]]; then
  echo "IOTHUB_STORE__BACKEND=postgres"
  echo "IOTHUB_STORE__POSTGRES_URL=${BENCH_POSTGRES_URL}"
fi
