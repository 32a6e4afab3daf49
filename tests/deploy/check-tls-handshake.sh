#!/usr/bin/env bash
# Check: a real TLS handshake on 127.0.0.1 with the certificates generate-certs.sh makes,
# against openssl s_server set up as the EMQX listeners are:
#   devices (ssl.default): -Verify 1 = verify_peer + fail_if_no_peer_cert, TLS 1.3 / 1.2
#   apps    (ssl.apps):    no client certificate asked for
# With the device certificate the request gets through; without one (or with one from
# another CA) the server refuses: "certificate required" on 1.3, a handshake failure on
# 1.2. The client also checks the server's name (emqx, emqx-mtls, localhost, 127.0.0.1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tool openssl
require_tool node

C="$CHECK_TMP/certs"
make_pki "$C" localhost
# A second, unrelated CA and a client certificate from it.
O="$CHECK_TMP/other"
make_pki "$O" localhost

# start_server NAME OPENSSL_ARGS...: s_server on a free loopback port; sets $port.
start_server() {
  local name="$1"; shift
  local log pid
  for _ in 1 2 3 4 5; do
    port="$(free_port)"
    log="$CHECK_TMP/server-$name.log"
    openssl s_server -accept "127.0.0.1:$port" -www -naccept 100 \
      -cert "$C/emqx/server.crt" -key "$C/emqx/server.key" "$@" >"$log" 2>&1 </dev/null &
    pid=$!
    track_pid "$pid"
    for _ in $(seq 50); do
      grep -q '^ACCEPT' "$log" && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
  done
  die "openssl s_server did not start (last log: $(cat "$log"))"
}

# client VERSION OUT ARGS...: one HTTP GET through s_client; status = s_client's.
client() {
  local version="$1" out="$2"; shift 2
  printf 'GET / HTTP/1.0\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$port" "-$version" -CAfile "$C/ca.crt" \
      -verify_return_error -ign_eof "$@" >"$out" 2>&1
}
got_through() { grep -q 'HTTP/1.0 200 ok' "$1"; }

dev=(-cert "$C/devices/sample-device.crt" -key "$C/devices/sample-device.key")
other=(-cert "$O/devices/sample-device.crt" -key "$O/devices/sample-device.key")

# --- the devices listener -------------------------------------------------------------
start_server devices -CAfile "$C/ca.crt" -Verify 1 -verify_return_error
for v in tls1_3 tls1_2; do
  out="$CHECK_TMP/dev-$v-with.out"
  if client "$v" "$out" "${dev[@]}" -verify_hostname emqx && got_through "$out"; then
    ok "devices/$v: the device certificate is accepted (host emqx verified)"
  else
    fail "devices/$v: the device certificate is accepted"; sed 's/^/       | /' "$out" | tail -20
  fi
  check "devices/$v: negotiated $v" grep -q "Protocol  : TLSv1.${v#tls1_}" "$out"

  out="$CHECK_TMP/dev-$v-without.out"
  if client "$v" "$out" || got_through "$out"; then
    fail "devices/$v: no client certificate -> refused"; sed 's/^/       | /' "$out" | tail -20
  else
    ok "devices/$v: no client certificate -> refused"
  fi
  if [ "$v" = tls1_3 ]; then
    check "devices/tls1_3: the refusal is the 'certificate required' alert" grep -q 'alert certificate required' "$out"
  else
    check "devices/tls1_2: the refusal is a handshake failure alert" grep -q 'alert handshake failure' "$out"
  fi

  out="$CHECK_TMP/dev-$v-other.out"
  if client "$v" "$out" "${other[@]}" || got_through "$out"; then
    fail "devices/$v: a certificate from another CA -> refused"; sed 's/^/       | /' "$out" | tail -20
  else
    ok "devices/$v: a certificate from another CA -> refused"
  fi
done
check "devices: the server logged the missing certificate" grep -q 'peer did not return a certificate' "$CHECK_TMP/server-devices.log"

# The client side checks the EMQX server certificate's names.
# name_ok OUT OPTION VALUE: a device connection with that name check gets through.
name_ok() { client tls1_3 "$1" "${dev[@]}" "$2" "$3" && got_through "$1"; }
for name in localhost emqx emqx-mtls; do
  check "server name $name verifies" name_ok "$CHECK_TMP/name-$name.out" -verify_hostname "$name"
done
check "server IP 127.0.0.1 verifies" name_ok "$CHECK_TMP/name-ip.out" -verify_ip 127.0.0.1
if name_ok "$CHECK_TMP/name-bad.out" -verify_hostname wrong.example.test; then
  fail "a name not in the certificate is refused by the client"
else
  ok "a name not in the certificate is refused by the client"
fi

# --- the apps listener (JWT clients, no client certificate) -----------------------------
start_server apps -verify_return_error
for v in tls1_3 tls1_2; do
  out="$CHECK_TMP/apps-$v.out"
  if client "$v" "$out" -verify_hostname emqx && got_through "$out"; then
    ok "apps/$v: a client without a certificate gets through"
  else
    fail "apps/$v: a client without a certificate gets through"; sed 's/^/       | /' "$out" | tail -20
  fi
done

finish
