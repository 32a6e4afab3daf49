#!/usr/bin/env bash
# Entrypoint of the iot-hub EMQX image: refuse to start without the TLS files that
# emqx-mtls.conf names, with a message that says how to make them, then hand over to
# EMQX's own entrypoint (the arguments). Without this EMQX starts, fails to open its
# ssl listeners and stops with an Erlang stack trace that hides the cause.
set -euo pipefail

# Overridable for tests (tests/deploy/check-emqx-entrypoint.sh); the image uses the default.
certs_dir="${IOTHUB_EMQX_CERTS_DIR:-/opt/emqx/etc/certs}"
required=(ca.crt server.crt server.key)

problems=()
for f in "${required[@]}"; do
  p="$certs_dir/$f"
  if [ ! -e "$p" ]; then
    problems+=("$p is missing")
  elif [ ! -f "$p" ]; then
    problems+=("$p is not a file")
  elif [ ! -r "$p" ]; then
    problems+=("$p is not readable by uid $(id -u) (emqx)")
  elif [ ! -s "$p" ]; then
    problems+=("$p is empty")
  fi
done

if [ ${#problems[@]} -gt 0 ]; then
  {
    echo "iot-hub EMQX: cannot start: the TLS certificates are not in place."
    for p in "${problems[@]}"; do echo "  - $p"; done
    echo "  $certs_dir is the certs/emqx folder made by scripts/generate-certs.sh."
    echo "  With docker compose: 'docker compose up' runs the certs step first;"
    echo "  to make them by hand: 'docker compose run --rm certs' or"
    echo "  'scripts/generate-certs.sh [HOST]' and mount certs/emqx at $certs_dir (read-only)."
    echo "  A key that is not readable: the certs step chowns to CERTS_OWNER (default 1000:1000, emqx)."
  } >&2
  exit 78  # EX_CONFIG
fi

exec "$@"
