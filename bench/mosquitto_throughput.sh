#!/usr/bin/env bash
# Messages/s through Mosquitto with the iot-hub plugin against Mosquitto without it, in
# one run: one registered device publishes N QoS 1 telemetry messages over mTLS
# (mosquitto_pub -l, one connection), first to a broker without the plugin, then to one
# whose plugin asks the hub (authenticate once, authorize per publish: Mosquitto has no
# authorization cache of its own), and again with the plugin's authorize cache on
# (plugin_opt_acl_cache_ms 5000, as EMQX caches authz). Prints the rates and ratios.
#   BUILD_DIR=build bench/mosquitto_throughput.sh [MESSAGES]
set -euo pipefail
build=${BUILD_DIR:-build}
hub="$build/iot-hub"
plugin="$build/src/mosquitto_plugin/iot-hub-mosquitto.so"
messages=${1:-20000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

data="$work/data"
"$hub" ca init --data-dir "$data" >/dev/null
"$hub" ca issue-server --data-dir "$data" --san DNS:localhost --san IP:127.0.0.1 \
  --out-cert "$work/server.crt" --out-key "$work/server.key" >/dev/null
"$hub" ca show --data-dir "$data" > "$work/ca.crt"
user=$("$hub" user create --data-dir "$data" --email bench@example.com --name Bench --subject bench | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$hub" device create bench-dev --data-dir "$data" >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench \
  -keyout "$work/dev.key" -out "$work/dev.csr" 2>/dev/null
"$hub" device sign-csr bench-dev "$work/dev.csr" --data-dir "$data" > "$work/dev.crt"
"$hub" device bind bench-dev "$user" --data-dir "$data" >/dev/null

grpc=$(free_port)
"$hub" serve --data-dir "$data" --grpc-listen "127.0.0.1:$grpc" --http-listen 127.0.0.1:0 \
  2>"$work/hub.log" & pids+=($!)
wait_port "$grpc"

# run_broker NAME PLUGIN(no|yes) ACL_CACHE_MS -> prints messages/s
run_broker() {
  local port conf
  port=$(free_port)
  conf="$work/$1.conf"
  {
    echo "per_listener_settings false"
    # As root, Mosquitto would drop to user mosquitto, who cannot read the temp dir.
    [ "$(id -u)" -ne 0 ] || echo "user root"
    if [ "$2" = yes ]; then
      echo "allow_anonymous false"
      echo "plugin $plugin"
      echo "plugin_opt_url 127.0.0.1:$grpc"
      echo "plugin_opt_acl_cache_ms $3"
    else
      echo "allow_anonymous true"
    fi
    echo "set_tcp_nodelay true"
    echo "listener $port 127.0.0.1"
    echo "cafile $work/ca.crt"
    echo "certfile $work/server.crt"
    echo "keyfile $work/server.key"
    echo "require_certificate true"
  } > "$conf"
  mosquitto -c "$conf" 2>"$work/$1.log" & local broker=$!
  pids+=("$broker")
  wait_port "$port" || { cat "$work/$1.log" >&2; return 1; }
  local start end
  start=$(date +%s.%N)
  seq "$messages" | mosquitto_pub -h 127.0.0.1 -p "$port" -i bench-dev -q 1 -l \
    -t "users/$user/devices/bench-dev/telemetry" \
    --cafile "$work/ca.crt" --cert "$work/dev.crt" --key "$work/dev.key"
  end=$(date +%s.%N)
  kill "$broker"
  python3 -c "print(round($messages / ($end - $start), 1))"
}

plain=$(run_broker plain no 0)
with_plugin=$(run_broker plugin yes 0)
with_cache=$(run_broker plugin-cache yes 5000)
python3 - "$plain" "$with_plugin" "$with_cache" "$messages" <<'PY'
import json, sys
plain, plugin, cached, n = map(float, sys.argv[1:5])
print(json.dumps({"messages": int(n),
                  "msgs_per_s": {"mosquitto": plain, "with_plugin": plugin,
                                 "with_plugin_acl_cache_5s": cached},
                  "ratio_with_plugin": round(plugin / plain, 3),
                  "ratio_with_plugin_acl_cache": round(cached / plain, 3)}))
PY
