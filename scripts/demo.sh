#!/usr/bin/env bash
# `make demo`: the whole path of a device command on one machine, no container engine.
#   a TLS Mosquitto on 127.0.0.1:8883 (client certificates required) with the iot-hub
#   plugin  ->  the hub (ExHook gRPC + HTTP API, its own MQTT link with a certificate from
#   its CA)  ->  a registered device run by device-sim  ->  one command of each of the 8
#   RPC methods through POST /api/mqtt/device/command, with the replies printed.
# Everything lives in a temporary workspace and is stopped and removed on exit
# (KEEP_DEMO=1 keeps the workspace and its logs).
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail

build_dir=$(cd "${1:-build}" && pwd)
hub="$build_dir/iot-hub"
plugin="$build_dir/src/mosquitto_plugin/iot-hub-mosquitto.so"
sim="$build_dir/tools/device-sim/device-sim"
mqtt_port=8883

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

for f in "$hub" "$plugin" "$sim"; do
  [ -x "$f" ] || [ -f "$f" ] || fail "missing $f (build first: make build)"
done
mosquitto_bin=$(command -v mosquitto || true)
[ -n "$mosquitto_bin" ] || [ ! -x /usr/sbin/mosquitto ] || mosquitto_bin=/usr/sbin/mosquitto
[ -n "$mosquitto_bin" ] || fail "mosquitto is not installed (make deps)"
for tool in openssl curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (make deps)"
done

# True when something accepts TCP connections on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# $1 when free, else a free port picked at random above 20000.
free_port() {
  local port=$1
  while port_busy "$port"; do port=$((20000 + RANDOM % 40000)); done
  echo "$port"
}
wait_port() {  # port, seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do port_busy "$1" && return 0; sleep 0.1; done
  return 1
}

if port_busy "$mqtt_port"; then
  fail "port $mqtt_port is busy (another broker?): stop it and run make demo again"
fi
http_port=$(free_port 8080)
grpc_port=$(free_port 9000)
[ "$http_port" = 8080 ] || echo "demo: port 8080 is busy; the HTTP API uses $http_port"
[ "$grpc_port" = 9000 ] || echo "demo: port 9000 is busy; the ExHook server uses $grpc_port"

work=$(mktemp -d "${TMPDIR:-/tmp}/iot-hub-demo.XXXXXX")
pids=()
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM HUP
  trap '' PIPE  # stdout may be gone (demo | head): still stop everything
  step "stopping"
  # Newest first: the device, the hub, then the broker.
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if [ "${KEEP_DEMO:-0}" = 1 ]; then
    echo "workspace kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE

data="$work/data"
cfg="$work/hub.toml"
admin_token=$(openssl rand -hex 24)
cli() { "$hub" --config "$cfg" --data-dir "$data" "$@"; }
api() {  # METHOD PATH [JSON]: sets api_status and api_body
  local out args=(-sS -X "$1" -H "Authorization: Bearer $admin_token" -w '\n%{http_code}')
  [ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data "$3")
  out=$(curl "${args[@]}" "http://127.0.0.1:$http_port$2")
  api_status=${out##*$'\n'}
  api_body=${out%$'\n'*}
}
pretty() { python3 -m json.tool 2>/dev/null || cat; }

step "workspace $work"
cat >"$cfg" <<EOF
[log]
level = "info"

[http]
admin_token = "$admin_token"

[mqtt]
enabled = true
host = "127.0.0.1"
port = $mqtt_port
EOF
mkdir -p "$data"

step "the hub's certificate authority and Mosquitto's server certificate"
cli ca init >/dev/null
cli ca issue-server --san DNS:localhost --san IP:127.0.0.1 \
  --out-cert "$work/broker.crt" --out-key "$work/broker.key" >/dev/null
openssl x509 -in "$data/ca/ca.crt" -noout -subject | sed 's/^/CA: /'
openssl x509 -in "$work/broker.crt" -noout -subject -ext subjectAltName | sed 's/^/broker: /'

step "Mosquitto with TLS on 127.0.0.1:$mqtt_port (client certificates required), plugin -> hub on 127.0.0.1:$grpc_port"
{
  [ "$(id -u)" -ne 0 ] || echo "user root"
  cat <<EOF
per_listener_settings false
allow_anonymous false
persistence false
# Small RPC messages: without this, Nagle and delayed ACKs add ~40 ms per round trip.
set_tcp_nodelay true
log_dest file $work/mosquitto.log
log_type all
connection_messages true
plugin $plugin
plugin_opt_url 127.0.0.1:$grpc_port
plugin_opt_timeout_ms 1000

listener $mqtt_port 127.0.0.1
cafile $data/ca/ca.crt
certfile $work/broker.crt
keyfile $work/broker.key
require_certificate true
EOF
} >"$work/mosquitto.conf"
"$mosquitto_bin" -c "$work/mosquitto.conf" >"$work/mosquitto.out" 2>&1 &
pids+=($!)
wait_port "$mqtt_port" 10 || { cat "$work/mosquitto.out" "$work/mosquitto.log" >&2; fail "mosquitto did not start"; }
echo "mosquitto $($mosquitto_bin -h 2>/dev/null | head -1 | awk '{print $3}') listening (pid ${pids[-1]})"

step "the hub: ExHook on 127.0.0.1:$grpc_port, HTTP on 127.0.0.1:$http_port"
"$hub" --config "$cfg" serve --data-dir "$data" --grpc-listen "127.0.0.1:$grpc_port" \
  --http-listen "127.0.0.1:$http_port" >"$work/hub.out" 2>"$work/hub.log" &
pids+=($!)
wait_port "$http_port" 20 || { cat "$work/hub.log" >&2; fail "the hub did not start"; }
for ((i = 0; i < 100; i++)); do
  curl -s "http://127.0.0.1:$http_port/metrics" | grep -q '^iothub_mqtt_link_up 1' && break
  sleep 0.1
done
curl -s "http://127.0.0.1:$http_port/metrics" | grep -q '^iothub_mqtt_link_up 1' ||
  { tail -20 "$work/hub.log" >&2; fail "the hub's MQTT link did not come up"; }
echo "hub up (pid ${pids[-1]}); its MQTT link is connected to Mosquitto with its own client certificate"
curl -s "http://127.0.0.1:$http_port/api/health"; echo

device_id=demo-device-1
step "register device $device_id: create, EC P-256 key + CSR (openssl), sign-csr"
cli device create "$device_id" --model demo-controller --firmware 1.0.0 >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/device.key" 2>/dev/null
openssl req -new -key "$work/device.key" -subj "/CN=$device_id" -out "$work/device.csr"
cli device sign-csr "$device_id" "$work/device.csr" >"$work/device.sign.out"
# The certificate is the PEM block of the output.
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$work/device.sign.out" |
  awk '/-----BEGIN CERTIFICATE-----/{n++} n==1' >"$work/device.crt"
openssl x509 -in "$work/device.crt" -noout -subject -issuer -enddate -fingerprint -sha256

step "create a user and bind the device to them (POST /api/devices/bind-device)"
user_json=$(cli user create --email demo@example.com --name "Demo User" --subject demo-user)
user_id=$(printf '%s' "$user_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "user id: $user_id"
api POST /api/devices/bind-device "{\"id\":\"$device_id\",\"ownerId\":\"$user_id\"}"
echo "HTTP $api_status"
printf '%s\n' "$api_body" | pretty
[ "$api_status" = 200 ] || fail "bind failed"

step "device-sim connects as $device_id over mTLS"
"$sim" --host 127.0.0.1 --port "$mqtt_port" --cafile "$data/ca/ca.crt" --cert "$work/device.crt" \
  --key "$work/device.key" --device-id "$device_id" --user-id "$user_id" >"$work/sim.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do
  grep -q "Sending SUBACK to $device_id\$" "$work/mosquitto.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "Sending SUBACK to $device_id\$" "$work/mosquitto.log" ||
  { cat "$work/sim.log" >&2; fail "device-sim did not connect"; }
sed 's/^/  /' "$work/sim.log"

step "one command of each method: POST /api/mqtt/device/command"
methods=(
  'getDeviceState|'
  'getSensors|'
  'reboot|'
  'updateDiscreteTimer|{"id":"timer-1","enabled":true,"mode":"auto","startTime":420,"endTime":1140}'
  'updateAnalogTimer|{"id":"timer-3","maxLightLevel":0.6,"fadeTime":45}'
  'updateDiscreteRegulator|{"id":"regulator-1","setpoint":22.5,"hysteresis":1}'
  'updateAnalogRegulator|{"id":"regulator-2","Kp":2.5,"Ki":0.2,"Kd":0.05}'
  'updateIrrigator|{"id":"irrigator-1","mode":"auto","numbIrrigations":3}'
)
failed=0
for entry in "${methods[@]}"; do
  method=${entry%%|*}
  params=${entry#*|}
  body="{\"userId\":\"$user_id\",\"deviceId\":\"$device_id\",\"method\":\"$method\""
  [ -z "$params" ] || body+=",\"params\":$params"
  body+=",\"timeout\":5000}"
  printf '\n--- %s %s\n' "$method" "${params:-(no params)}"
  api POST /api/mqtt/device/command "$body"
  echo "HTTP $api_status"
  printf '%s\n' "$api_body" | pretty
  [ "$api_status" = 200 ] || failed=$((failed + 1))
done

echo
if [ "$failed" -eq 0 ]; then
  echo "demo: all 8 commands answered by the device through Mosquitto and the hub"
else
  fail "$failed of 8 commands failed (logs in $work; rerun with KEEP_DEMO=1 to keep them)"
fi
