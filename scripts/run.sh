#!/usr/bin/env bash
# `make run`: the hub on its embedded defaults (gRPC 127.0.0.1:9000, HTTP 127.0.0.1:8080,
# data in ./data). The HTTP admin API needs a bootstrap admin token: without
# IOTHUB_HTTP__ADMIN_TOKEN one is generated once, kept in ./data/admin-token (0600) and
# printed once, when it is made.
set -euo pipefail
build_dir=${1:-build}
data_dir=${IOTHUB_SERVER__DATA_DIR:-./data}
mkdir -p "$data_dir"
token_file="$data_dir/admin-token"
if [ -z "${IOTHUB_HTTP__ADMIN_TOKEN:-}" ]; then
  if [ ! -s "$token_file" ]; then
    (umask 077 && openssl rand -hex 32 > "$token_file")
    echo "iot-hub: generated a bootstrap admin token (kept in $token_file):"
    echo "  $(cat "$token_file")"
    echo "  use it as: Authorization: Bearer <token>"
  fi
  IOTHUB_HTTP__ADMIN_TOKEN=$(cat "$token_file")
  export IOTHUB_HTTP__ADMIN_TOKEN
fi
exec "$build_dir/iot-hub" serve
