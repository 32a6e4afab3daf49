#!/usr/bin/env bash
# bench/window_counters.sh OUT REDIS_PORT PG_ADMIN_URL METRICS_URL... EDGE: what the
# servers a cluster shares have done so far, for hook-load --window-command (bench/run.sh
# in cluster mode calls it at the edges of each measured window; EDGE is begin or end).
#
# Appends one JSON line to OUT: {"edge", "redis_commands" (INFO commandstats),
# "redis_calls" (commands the hubs sent: iothub_redis_command_seconds_count),
# "redis_round_trips" (writes each followed by reading their replies: the waiting calls
# plus the pipeline's writes, iothub_redis_pipeline_writes_total, which carry several
# calls each), "redis_errors" (iothub_redis_errors_total), all summed over the
# METRICS_URLs, "pg_statements" (pg_stat_statements calls in the database iothub),
# "pg_xacts" (its commits + rollbacks; PostgreSQL publishes these up to a second late)}.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out="$1" redis_port="$2" pg_admin_url="$3"
shift 3
edge="${*: -1}"
calls=0 round_trips=0 errors=0
for url in "${@:1:$#-1}"; do
  read -r n p w e < <(curl -fsS "${url}" | awk '/^iothub_redis_command_seconds_count/ {n += $NF}
    /^iothub_redis_pipelined_total/ {p += $NF} /^iothub_redis_pipeline_writes_total/ {w += $NF}
    /^iothub_redis_errors_total/ {e += $NF} END {printf "%d %d %d %d\n", n, p, w, e}')
  calls=$((calls + n)) round_trips=$((round_trips + n - p + w)) errors=$((errors + e))
done
read -r statements xacts <<<"$(postgres_counts "${pg_admin_url}" iothub)"
line='{"edge":"%s","redis_commands":%d,"redis_calls":%d,"redis_round_trips":%d,'
line+='"redis_errors":%d,"pg_statements":%d,"pg_xacts":%d}\n'
# shellcheck disable=SC2059  # the format is the constant above
printf "${line}" "${edge}" "$(redis_commands "${redis_port}")" "${calls}" "${round_trips}" \
  "${errors}" "${statements}" "${xacts}" >>"${out}"
