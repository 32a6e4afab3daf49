#!/usr/bin/env bash
# A stand-in for the `iot-hub` CLI (ca/device commands only), made with openssl, so that
# check-certs-hub-mode.sh can drive scripts/generate-certs.sh's hub mode before the real
# CLI exists. It pins the CLI contract generate-certs.sh relies on:
#   iot-hub ca show            exit != 0 when there is no CA; else the CA PEM on stdout
#                              (other lines around it are allowed)
#   iot-hub ca init            makes the CA in the data dir (IOTHUB_SERVER__DATA_DIR)
#   iot-hub ca crl             the CRL PEM on stdout
#   iot-hub ca issue-server --san DNS:x --san IP:y ... --out-cert F --out-key F
#   iot-hub device create ID   exit != 0 when it exists already
#   iot-hub device sign-csr ID CSR_FILE   the certificate PEM on stdout
set -euo pipefail
dir="${IOTHUB_SERVER__DATA_DIR:-./data}/fake-ca"
mkdir -p "$dir"
ca="$dir/ca.crt"; key="$dir/ca.key"
need_ca() { [ -s "$ca" ] || { echo "iot-hub: no CA yet (run: iot-hub ca init)" >&2; exit 3; }; }
sign() { # CSR OUT EXT
  openssl x509 -req -in "$1" -CA "$ca" -CAkey "$key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -sha256 -extfile "$3" -out "$2" 2>/dev/null
}
case "${1:-} ${2:-}" in
  "ca init")
    [ ! -e "$key" ] || { echo "iot-hub: the CA exists already" >&2; exit 4; }
    openssl req -new -x509 -newkey rsa:2048 -nodes -keyout "$key" -out "$ca" -days 3650 \
      -subj "/O=iot-hub/CN=iot-hub fake CA" -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    echo "CA created" ;;
  "ca show")
    need_ca; echo "CA certificate (SHA-256 $(openssl x509 -in "$ca" -noout -fingerprint -sha256 | sed 's/.*=//')):"; cat "$ca" ;;
  "ca crl")
    need_ca
    [ -e "$dir/index.txt" ] || { : >"$dir/index.txt"; echo 01 >"$dir/crlnumber"; }
    printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s\ncrlnumber=%s\ncertificate=%s\nprivate_key=%s\ndefault_md=sha256\ndefault_crl_days=30\n' \
      "$dir/index.txt" "$dir/crlnumber" "$ca" "$key" >"$dir/ca.cnf"
    openssl ca -batch -config "$dir/ca.cnf" -gencrl 2>/dev/null ;;
  "ca issue-server")
    need_ca; shift 2
    sans=(); out_cert=""; out_key=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --san) sans+=("$2"); shift 2 ;;
        --out-cert) out_cert="$2"; shift 2 ;;
        --out-key) out_key="$2"; shift 2 ;;
        *) echo "iot-hub: unknown option $1" >&2; exit 2 ;;
      esac
    done
    openssl req -new -newkey rsa:2048 -nodes -keyout "$out_key" -subj "/CN=emqx" -out "$dir/server.csr" 2>/dev/null
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
      "$(IFS=,; echo "${sans[*]}")" >"$dir/server.ext"
    sign "$dir/server.csr" "$out_cert" "$dir/server.ext" ;;
  "device create")
    [ ! -e "$dir/device-$3" ] || { echo "iot-hub: device $3 exists" >&2; exit 5; }
    : >"$dir/device-$3"; echo "device $3 created (unbound)" ;;
  "device sign-csr")
    need_ca
    [ -e "$dir/device-$3" ] || { echo "iot-hub: no device $3" >&2; exit 5; }
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:%s\n' "$3" >"$dir/dev.ext"
    # The hub sets the subject itself (CN device-ID) whatever the CSR says.
    sign "$4" "$dir/dev.crt" "$dir/dev.ext"
    echo "certificate for $3:"; cat "$dir/dev.crt"; echo "fingerprint: $(openssl x509 -in "$dir/dev.crt" -noout -fingerprint -sha256 | sed 's/.*=//')" ;;
  *) echo "fake iot-hub: unsupported: $*" >&2; exit 2 ;;
esac
