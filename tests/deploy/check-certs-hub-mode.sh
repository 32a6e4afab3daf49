#!/usr/bin/env bash
# Check: scripts/generate-certs.sh with IOT_HUB set (hub mode) against the real iot-hub
# binary of this build (IOT_HUB_BIN): the CA comes from the hub (no ca.key in CERTS_DIR), the
# server and sample-device certificates chain to it, a second run keeps everything and
# does not re-init the CA, and the openssl mode refuses to take the folder over.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tool openssl

gen="$REPO_ROOT/scripts/generate-certs.sh"
C="$CHECK_TMP/certs"
H="$CHECK_TMP/hub-data"
: "${IOT_HUB_BIN:?IOT_HUB_BIN must name the built iot-hub binary}"
hubrun() { CERTS_DIR="$C" IOT_HUB="$IOT_HUB_BIN" IOT_HUB_DATA_DIR="$H" "$gen" "$@"; }

check "hub mode: first run succeeds" hubrun hub.example.test
check "hub mode: the hub made its CA (ca init)" test -s "$H/ca/ca.key"
check "hub mode: no CA key in CERTS_DIR" test ! -e "$C/ca.key"
check "hub mode: ca.crt is the hub's CA" cmp -s "$C/ca.crt" "$H/ca/ca.crt"
check "hub mode: the marker says hub" grep -qx 'mode=hub' "$C/.iot-hub-dev-pki"
check "hub mode: server certificate chains to the hub CA" openssl verify -CAfile "$C/ca.crt" -purpose sslserver "$C/emqx/server.crt"
check "hub mode: server certificate names hub.example.test and emqx-mtls" \
  bash -c "openssl x509 -in '$C/emqx/server.crt' -noout -ext subjectAltName | grep -q 'DNS:hub.example.test' && openssl x509 -in '$C/emqx/server.crt' -noout -ext subjectAltName | grep -q 'DNS:emqx-mtls'"
check "hub mode: device certificate chains to the hub CA" openssl verify -CAfile "$C/ca.crt" -purpose sslclient "$C/devices/sample-device.crt"
check "hub mode: the device certificate is only the PEM block" bash -c "[ \"\$(head -n1 '$C/devices/sample-device.crt')\" = '-----BEGIN CERTIFICATE-----' ] && [ \"\$(grep -c BEGIN '$C/devices/sample-device.crt')\" = 1 ]"
check "hub mode: the hub's CRL is in emqx/crl.pem" openssl crl -in "$C/emqx/crl.pem" -CAfile "$C/ca.crt" -noout
check "hub mode: emqx/ca.crt is the hub CA" cmp -s "$C/ca.crt" "$C/emqx/ca.crt"

sum() { cat "$C/ca.crt" "$C/emqx/server.crt" "$C/devices/sample-device.crt" "$H/ca/ca.key" | sha256sum; }
before="$(sum)"
check "hub mode: second run succeeds (device exists already)" hubrun hub.example.test
check "hub mode: second run keeps the CA and the certificates" test "$before" = "$(sum)"

if CERTS_DIR="$C" "$gen" localhost >"$CHECK_TMP/openssl-on-hub.log" 2>&1; then
  fail "openssl mode refuses a hub-mode folder"
else
  ok "openssl mode refuses a hub-mode folder"
fi
check "the message says to set IOT_HUB" grep -q 'Run again with IOT_HUB' "$CHECK_TMP/openssl-on-hub.log"

finish
