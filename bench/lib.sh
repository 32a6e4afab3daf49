# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # globals shared with the scripts that source this file
# bench/lib.sh: shell functions the bench scripts share (sourced, never run).
#
# The caller sets `work` (its temporary directory) and `pids=()` (the servers to stop),
# and calls bench_cleanup from its EXIT trap: it stops every pid and a PostgreSQL this
# library started, then removes `work` (and PostgreSQL's directory) unless BENCH_KEEP=1.
#
#   free_port                       a free TCP port on 127.0.0.1
#   wait_for_line FILE RE PID [S]   the first line of FILE matching RE (waits up to S s)
#   start_hub LOG ENV... -- ARGS    `iot-hub ARGS` with the environment ENV, logging to
#                                   LOG; sets hub_started_pid, _port and _http_port
#   start_redis DIR                 a throwaway Redis 7; sets redis_port
#   start_postgres DIR              a throwaway PostgreSQL 15 (pg_stat_statements loaded)
#                                   with a database `iothub`; sets pg_url, pg_admin_url
#   redis_commands PORT             commands Redis ran so far (INFO commandstats, less
#                                   the INFO calls that read it)
#   postgres_counts ADMIN_URL DB    "STATEMENTS XACTS" the database ran so far
#                                   (pg_stat_statements calls; commits + rollbacks)

# The PostgreSQL binaries (Debian's postgresql-15) and the data dir of the one started.
pg_bindir="${IOTHUB_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
pg_data=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

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

# Runs as the postgres user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [[ "$(id -u)" -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

start_hub() {
  local log="$1" env_vars=() serving
  shift
  while [[ $# -gt 0 && "$1" != -- ]]; do env_vars+=("$1") && shift; done
  shift
  env "${env_vars[@]}" "${hub}" "$@" >"${log}" 2>&1 &
  hub_started_pid=$!
  pids+=("${hub_started_pid}")
  serving="$(wait_for_line "${log}" 'serving ExHook .* on port [0-9]+' "${hub_started_pid}" \
    "${start_timeout_s:-120}")"
  hub_started_port="$(grep -oE 'on port [0-9]+' <<<"${serving}" | head -n1 | grep -oE '[0-9]+$')"
  hub_started_http_port="$(grep -oE 'HTTP on port [0-9]+' <<<"${serving}" | grep -oE '[0-9]+$' ||
    true)"
}

start_redis() {
  local dir="$1"
  redis_port="$(free_port)"
  redis-server --port "${redis_port}" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "${dir}" >"${dir}/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    redis-cli -p "${redis_port}" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: redis-server did not start:" >&2
  cat "${dir}/redis.log" >&2
  return 1
}

# DIR must not be inside a directory the postgres user cannot enter: when root, the
# caller gives a directory of its own (it is handed to postgres here).
start_postgres() {
  local dir="$1" port
  port="$(free_port)"
  [[ "$(id -u)" -ne 0 ]] || chown postgres: "${dir}"
  as_postgres "${pg_bindir}/initdb" -D "${dir}/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync --no-instructions >"${dir}/initdb.log" 2>&1 ||
    { cat "${dir}/initdb.log" >&2 && return 1; }
  # synchronous_commit=off: commits wait for no disk flush, like the SQLite hub's WAL
  # with synchronous=NORMAL; the server is thrown away after the run.
  as_postgres "${pg_bindir}/pg_ctl" -D "${dir}/data" -l "${dir}/server.log" -w -t 60 \
    -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c synchronous_commit=off \
        -c shared_preload_libraries=pg_stat_statements -c max_connections=100" \
    start >/dev/null || { cat "${dir}/server.log" >&2 && return 1; }
  pg_data="${dir}/data"
  pg_admin_url="postgresql://postgres@127.0.0.1:${port}/postgres"
  pg_url="postgresql://postgres@127.0.0.1:${port}/iothub"
  psql -X -q -v ON_ERROR_STOP=1 -d "${pg_admin_url}" \
    -c 'CREATE EXTENSION pg_stat_statements' -c 'CREATE DATABASE iothub' >/dev/null
}

redis_commands() {
  redis-cli -p "$1" INFO commandstats |
    awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" {s += $3} END {printf "%d\n", s}'
}

postgres_counts() {
  psql -X -At -F ' ' -d "$1" -c "SELECT
      (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s
        JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$2'),
      (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$2')"
}

bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "${pid}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "${pid}" 2>/dev/null || true
  done
  if [[ -n "${pg_data}" ]]; then
    as_postgres "${pg_bindir}/pg_ctl" -D "${pg_data}" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" = 1 ]]; then
    echo "bench: kept ${work} ${pg_data:+and $(dirname "${pg_data}")}" >&2
    return
  fi
  [[ -z "${pg_data}" ]] || rm -rf "$(dirname "${pg_data}")"
  rm -rf "${work}"
}
