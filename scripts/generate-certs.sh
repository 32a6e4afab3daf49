#!/usr/bin/env bash
# generate-certs.sh [HOST...]: the development PKI for EMQX + iot-hub (mTLS devices).
#
# Writes into $CERTS_DIR (default: <repo>/certs, untracked):
#   ca.crt                      the device/server CA (clients use it as --cafile)
#   ca.key                      its private key (openssl mode only; 0600, never mounted into EMQX)
#   .iot-hub-dev-pki            marker: which mode made the CA and the SHA-256 of its public key
#   .ca-db/                     openssl mode: the `openssl ca` database behind crl.pem
#   emqx/ca.crt                 what EMQX mounts at /opt/emqx/etc/certs (see docker-compose.yml):
#   emqx/server.crt, server.key   the EMQX server certificate (serverAuth) and key; SANs
#   emqx/crl.pem                  DNS localhost, emqx, emqx-mtls, each HOST; IP 127.0.0.1
#   devices/sample-device.key   one sample device: key, CSR and certificate
#   devices/sample-device.csr     (CN device-sample-device, clientAuth, SAN DNS:sample-device)
#   devices/sample-device.crt
#
# HOST: extra names or IP addresses for the server certificate (default: this machine's
# host name). Idempotent: a second run keeps the CA and every certificate that is still
# valid, signed by that CA, more than 30 days from expiry and (server) covering the
# requested names; it re-issues only what is missing or stale, and always refreshes the CRL.
# It never replaces a CA it did not make: a ca.key without our marker (or with a marker
# for a different key) stops the script with an error and is left untouched.
#
# Two modes:
#   openssl (default)  the openssl CLI is the CA; works anywhere openssl 3 is installed.
#   hub                IOT_HUB=/path/to/iot-hub: the hub owns the CA (its `ca show` makes it) and
#                      issues the server and sample-device certificates, so devices the hub
#                      signs later are trusted by EMQX. ca.key then stays in the hub's data
#                      dir (IOT_HUB_DATA_DIR, passed as IOTHUB_SERVER__DATA_DIR).
#
# Environment:
#   CERTS_DIR           output folder (default <repo>/certs)
#   IOT_HUB             path to a built iot-hub binary: selects hub mode
#   IOT_HUB_DATA_DIR    hub mode: the hub's data dir (default: the hub's own default)
#   CERTS_OWNER         uid:gid; when run as root, chown the output (and, in hub mode,
#                       IOT_HUB_DATA_DIR) to it. docker-compose's certs step sets 1000:1000,
#                       the uid of both the EMQX and the iot-hub containers.
#   CA_DAYS / SERVER_DAYS / DEVICE_DAYS   validity (3650 / 825 / 365)
set -euo pipefail

readonly SCRIPT_NAME="generate-certs.sh"
readonly MARKER_NAME=".iot-hub-dev-pki"
readonly DEVICE_ID="sample-device"
readonly RENEW_BEFORE_SECONDS=$((30 * 24 * 3600))

die() { echo "$SCRIPT_NAME: error: $*" >&2; exit 1; }
say() { echo "$SCRIPT_NAME: $*"; }

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac

command -v openssl >/dev/null 2>&1 ||
  die "openssl not found in PATH. Install it (Debian/Ubuntu: apt-get install openssl) and run again."
openssl version | grep -q '^OpenSSL 3' ||
  die "OpenSSL 3 is required (found: $(openssl version)); -copy_extensions and -ext need it."

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CERTS_DIR="${CERTS_DIR:-$repo_root/certs}"
CA_DAYS="${CA_DAYS:-3650}"
SERVER_DAYS="${SERVER_DAYS:-825}"  # the most a TLS server certificate should live
DEVICE_DAYS="${DEVICE_DAYS:-365}"  # the hub's default device certificate validity

mode="openssl"
if [ -n "${IOT_HUB:-}" ]; then
  mode="hub"
  [ -x "$IOT_HUB" ] || die "IOT_HUB=$IOT_HUB is not an executable file (unset IOT_HUB for the openssl mode)."
  if [ -n "${IOT_HUB_DATA_DIR:-}" ]; then
    export IOTHUB_SERVER__DATA_DIR="$IOT_HUB_DATA_DIR"  # the hub's config env override
  fi
fi

# Names for the EMQX server certificate: the fixed compose names plus the requested hosts.
hosts=("$@")
if [ ${#hosts[@]} -eq 0 ]; then
  hosts=("$(hostname 2>/dev/null || echo localhost)")
fi
san_entries=("DNS:localhost" "DNS:emqx" "DNS:emqx-mtls" "IP:127.0.0.1")
for h in "${hosts[@]}"; do
  [ -n "$h" ] || continue
  if [[ "$h" =~ ^[0-9]+(\.[0-9]+){3}$ || "$h" == *:* ]]; then
    entry="IP:$h"
  elif [[ "$h" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
    entry="DNS:$h"
  else
    die "'$h' is neither a host name nor an IP address."
  fi
  case " ${san_entries[*]} " in *" $entry "*) ;; *) san_entries+=("$entry") ;; esac
done
san_csv="$(IFS=,; echo "${san_entries[*]}")"

ca_crt="$CERTS_DIR/ca.crt"
ca_key="$CERTS_DIR/ca.key"
marker="$CERTS_DIR/$MARKER_NAME"
emqx_dir="$CERTS_DIR/emqx"
dev_dir="$CERTS_DIR/devices"
server_crt="$emqx_dir/server.crt"
server_key="$emqx_dir/server.key"
crl="$emqx_dir/crl.pem"
dev_key="$dev_dir/$DEVICE_ID.key"
dev_csr="$dev_dir/$DEVICE_ID.csr"
dev_crt="$dev_dir/$DEVICE_ID.crt"

umask 077  # keys are created 0600; public files are chmod 0644 explicitly
work="$(mktemp -d "${TMPDIR:-/tmp}/generate-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# --- helpers -------------------------------------------------------------------------

pubkey_sha256_of_key() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
pubkey_sha256_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
marker_value() { [ -f "$marker" ] || return 0; sed -n "s/^$1=//p" "$marker" | head -n1; }

new_rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
random_serial() { echo "0x$(openssl rand -hex 16)"; }

# Prints the first PEM block of type $1 (e.g. CERTIFICATE) found on stdin: the hub CLI may
# print other lines around it.
first_pem() { sed -n "/-----BEGIN $1-----/,/-----END $1-----/p" | awk -v t="-----END $1-----" '{print} $0==t{exit}'; }

# leaf_ok CERT KEY: signed by the current CA, matches KEY, and valid for 30 more days.
leaf_ok() {
  local cert="$1" key="$2"
  [ -s "$cert" ] && [ -s "$key" ] || return 1
  openssl verify -CAfile "$ca_crt" "$cert" >/dev/null 2>&1 || return 1
  openssl x509 -in "$cert" -noout -checkend "$RENEW_BEFORE_SECONDS" >/dev/null 2>&1 || return 1
  [ "$(pubkey_sha256_of_cert "$cert")" = "$(pubkey_sha256_of_key "$key")" ] || return 1
}

# server_sans_ok: the server certificate names every requested SAN.
server_sans_ok() {
  local have
  have="$(openssl x509 -in "$server_crt" -noout -ext subjectAltName 2>/dev/null | tail -n +2 |
          tr ',' '\n' | sed 's/^ *//; s/IP Address:/IP:/')"
  local e
  for e in "${san_entries[@]}"; do
    grep -qxF "$e" <<<"$have" || return 1
  done
}

# --- the CA: keep it, or make it once; never replace one we did not make ---------------

check_existing_pki() {
  local marker_mode marker_hash
  marker_mode="$(marker_value mode)"
  marker_hash="$(marker_value ca_pubkey_sha256)"
  if [ -e "$ca_key" ]; then
    [ -f "$marker" ] || die "$ca_key exists but was not made by this script (no $MARKER_NAME marker).
  Refusing to touch a CA key it did not create. Move $CERTS_DIR away or set CERTS_DIR to another folder."
    [ "$marker_hash" = "$(pubkey_sha256_of_key "$ca_key")" ] ||
      die "$ca_key does not match the key this script made (per $MARKER_NAME): it was replaced by hand.
  Refusing to overwrite it. Move $CERTS_DIR away or set CERTS_DIR to another folder."
    [ "$mode" = "openssl" ] || die "$CERTS_DIR holds an openssl-mode CA (ca.key) but IOT_HUB is set.
  The hub keeps its own CA; use an empty CERTS_DIR for hub mode, or unset IOT_HUB."
    [ -s "$ca_crt" ] || die "$ca_key exists but $ca_crt is missing; restore it or move $CERTS_DIR away."
    [ "$(pubkey_sha256_of_cert "$ca_crt")" = "$marker_hash" ] ||
      die "$ca_crt does not belong to $ca_key; restore it or move $CERTS_DIR away."
    return 0
  fi
  if [ -e "$ca_crt" ]; then
    case "$marker_mode" in
      hub)
        [ "$mode" = "hub" ] || die "$CERTS_DIR was made in hub mode (the CA key is in the hub's data dir).
  Run again with IOT_HUB=/path/to/iot-hub, or use another CERTS_DIR for the openssl mode." ;;
      openssl) die "$ca_key is missing but $MARKER_NAME says this script made it; restore the key or move $CERTS_DIR away." ;;
      *) die "$ca_crt exists but was not made by this script (no $MARKER_NAME marker). Refusing to replace it.
  Move $CERTS_DIR away or set CERTS_DIR to another folder." ;;
    esac
  fi
}

write_marker() {
  {
    echo "# Made by scripts/$SCRIPT_NAME. Do not edit: it guards ca.key against replacement."
    echo "mode=$mode"
    echo "ca_pubkey_sha256=$1"
  } >"$marker"
  chmod 0644 "$marker"
}

openssl_ca_conf() {
  # A minimal `openssl ca` config, used only to sign the CRL (certificates are signed with
  # `openssl x509 -req`, which needs no database).
  cat >"$work/ca.cnf" <<EOF
[ ca ]
default_ca = dev_ca
[ dev_ca ]
database         = $CERTS_DIR/.ca-db/index.txt
crlnumber        = $CERTS_DIR/.ca-db/crlnumber
certificate      = $ca_crt
private_key      = $ca_key
default_md       = sha256
default_crl_days = 30
crl_extensions   = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

make_openssl_ca() {
  say "creating the development CA in $CERTS_DIR"
  new_rsa_key "$work/ca.key"
  cat >"$work/ca.ext" <<'EOF'
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
EOF
  openssl req -new -x509 -key "$work/ca.key" -sha256 -days "$CA_DAYS" \
    -subj "/C=US/O=iot-hub development/OU=Certificate Authority/CN=iot-hub dev CA" \
    -set_serial "$(random_serial)" -extensions v3_ca -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3_ca]\n'; cat "$work/ca.ext") \
    -out "$work/ca.crt"
  # Move into place only when both exist, then write the marker that guards them.
  mv "$work/ca.key" "$ca_key"
  mv "$work/ca.crt" "$ca_crt"
  chmod 0600 "$ca_key"
  chmod 0644 "$ca_crt"
  write_marker "$(pubkey_sha256_of_key "$ca_key")"
}

# sign_leaf CSR OUT_CERT DAYS EXTFILE: sign with the openssl-mode CA.
sign_leaf() {
  openssl x509 -req -in "$1" -CA "$ca_crt" -CAkey "$ca_key" -set_serial "$(random_serial)" \
    -days "$3" -sha256 -extfile "$4" -out "$2" 2>/dev/null
  chmod 0644 "$2"
}

# --- hub mode: the hub CLI is the CA ----------------------------------------------------

hub() { "$IOT_HUB" "$@"; }

hub_ca() {
  # `ca show` creates the hub's CA (ca.key_type) when it has none yet, as `serve` does.
  hub ca show >"$work/ca.out" 2>"$work/ca.err" || { cat "$work/ca.err" >&2; die "'iot-hub ca show' failed (see above)."; }
  if grep -q 'created a new CA' "$work/ca.err"; then say "the hub had no CA yet: it made one"; fi
  first_pem CERTIFICATE <"$work/ca.out" >"$work/ca.crt"
  [ -s "$work/ca.crt" ] || die "'iot-hub ca show' printed no PEM certificate."
  local hash
  hash="$(pubkey_sha256_of_cert "$work/ca.crt")"
  if [ -s "$ca_crt" ] && [ "$(pubkey_sha256_of_cert "$ca_crt")" != "$hash" ]; then
    say "the hub's CA changed (rotated?): replacing $ca_crt; leaf certificates will be re-issued"
  fi
  cp "$work/ca.crt" "$ca_crt"
  chmod 0644 "$ca_crt"
  write_marker "$hash"
}

# --- run -------------------------------------------------------------------------------

check_existing_pki
mkdir -p "$CERTS_DIR" "$emqx_dir" "$dev_dir"
if [ "$mode" = "openssl" ]; then
  if [ -e "$ca_key" ]; then
    say "CA kept: $ca_crt ($(openssl x509 -in "$ca_crt" -noout -enddate))"
  else
    make_openssl_ca
  fi
else
  hub_ca
  say "CA (hub): $ca_crt"
fi
cp "$ca_crt" "$emqx_dir/ca.crt"
chmod 0644 "$emqx_dir/ca.crt"

# The EMQX server certificate.
if leaf_ok "$server_crt" "$server_key" && server_sans_ok; then
  say "EMQX server certificate kept: $server_crt"
else
  say "issuing the EMQX server certificate: $san_csv"
  if [ "$mode" = "openssl" ]; then
    new_rsa_key "$work/server.key"
    openssl req -new -key "$work/server.key" -subj "/C=US/O=iot-hub development/CN=emqx" -out "$work/server.csr"
    cat >"$work/server.ext" <<EOF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = $san_csv
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
    sign_leaf "$work/server.csr" "$work/server.crt" "$SERVER_DAYS" "$work/server.ext"
  else
    san_args=()
    for e in "${san_entries[@]}"; do san_args+=(--san "$e"); done
    hub ca issue-server "${san_args[@]}" --out-cert "$work/server.crt" --out-key "$work/server.key" ||
      die "'iot-hub ca issue-server' failed (see above)."
  fi
  mv "$work/server.key" "$server_key"
  mv "$work/server.crt" "$server_crt"
  chmod 0600 "$server_key"
  chmod 0644 "$server_crt"
fi

# The sample device: key and CSR made here (as a device would), certificate from the CA.
if [ ! -s "$dev_key" ]; then
  new_rsa_key "$dev_key"
  chmod 0600 "$dev_key"
fi
if [ ! -s "$dev_csr" ] || [ "$(openssl req -in "$dev_csr" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1)" != "$(pubkey_sha256_of_key "$dev_key")" ]; then
  openssl req -new -key "$dev_key" -subj "/C=US/O=iot-hub development/OU=Devices/CN=device-$DEVICE_ID" -out "$dev_csr"
  chmod 0644 "$dev_csr"
fi
if leaf_ok "$dev_crt" "$dev_key"; then
  say "sample device certificate kept: $dev_crt"
else
  say "issuing the sample device certificate (CN device-$DEVICE_ID, clientAuth)"
  if [ "$mode" = "openssl" ]; then
    # The same extensions the hub puts on a device certificate (contract section 4).
    cat >"$work/device.ext" <<EOF
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectAltName         = DNS:$DEVICE_ID
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
    sign_leaf "$dev_csr" "$work/device.crt" "$DEVICE_DAYS" "$work/device.ext"
  else
    # An existing device is fine; sign-csr below fails clearly if the device is unusable.
    hub device create "$DEVICE_ID" >/dev/null 2>&1 || say "note: 'iot-hub device create $DEVICE_ID' failed (it may exist already)"
    hub device sign-csr "$DEVICE_ID" "$dev_csr" >"$work/device.out" ||
      die "'iot-hub device sign-csr $DEVICE_ID' failed (see above)."
    first_pem CERTIFICATE <"$work/device.out" >"$work/device.crt"
    [ -s "$work/device.crt" ] || die "'iot-hub device sign-csr' printed no PEM certificate."
  fi
  mv "$work/device.crt" "$dev_crt"
  chmod 0644 "$dev_crt"
fi

# The CRL, refreshed every run (EMQX 5.3 can only fetch CRLs over HTTP; see emqx/emqx-mtls.conf).
if [ "$mode" = "openssl" ]; then
  mkdir -p "$CERTS_DIR/.ca-db"
  [ -e "$CERTS_DIR/.ca-db/index.txt" ] || : >"$CERTS_DIR/.ca-db/index.txt"
  [ -e "$CERTS_DIR/.ca-db/crlnumber" ] || echo 01 >"$CERTS_DIR/.ca-db/crlnumber"
  openssl_ca_conf
  openssl ca -batch -config "$work/ca.cnf" -gencrl -out "$work/crl.pem" 2>/dev/null ||
    die "could not sign the CRL with $ca_key."
else
  hub ca crl >"$work/crl.out" || die "'iot-hub ca crl' failed (see above)."
  first_pem "X509 CRL" <"$work/crl.out" >"$work/crl.pem"
  [ -s "$work/crl.pem" ] || die "'iot-hub ca crl' printed no PEM CRL."
fi
mv "$work/crl.pem" "$crl"
chmod 0644 "$crl"

# Self-check: everything chains to the CA that EMQX will trust.
openssl verify -CAfile "$ca_crt" -CRLfile "$crl" -crl_check "$server_crt" "$dev_crt" >/dev/null ||
  die "self-check failed: the certificates do not verify against $ca_crt and $crl."

if [ -n "${CERTS_OWNER:-}" ] && [ "$(id -u)" -eq 0 ]; then
  chown -R "$CERTS_OWNER" "$CERTS_DIR"
  if [ "$mode" = "hub" ] && [ -n "${IOT_HUB_DATA_DIR:-}" ]; then chown -R "$CERTS_OWNER" "$IOT_HUB_DATA_DIR"; fi
fi

say "done ($mode mode). EMQX mounts $emqx_dir; the sample device is $dev_crt (key $dev_key)."
