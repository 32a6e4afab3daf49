#!/usr/bin/env bash
# Check: the certificates scripts/generate-certs.sh makes are what EMQX and the hub need:
# chain (openssl verify, with the CRL), SANs, key usages, basic constraints, subject,
# key/certificate pairs, file modes, and no CA key in what EMQX mounts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tool openssl

C="$CHECK_TMP/certs"
make_pki "$C" broker.example.test 192.0.2.10

text() { openssl x509 -in "$1" -noout -text; }
# has FILE REGEX: the certificate's text form matches (extended regex).
has() { text "$1" | grep -Eq -- "$2"; }
ext() { openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | tail -n +2 | sed 's/^ *//'; }
mode() { stat -c '%a' "$1"; }
pub_of_key() { openssl pkey -in "$1" -pubout; }
pub_of_crt() { openssl x509 -in "$1" -noout -pubkey; }

# Files.
for f in ca.crt ca.key emqx/ca.crt emqx/server.crt emqx/server.key emqx/crl.pem \
         devices/sample-device.key devices/sample-device.csr devices/sample-device.crt; do
  check "generate-certs.sh made $f" test -s "$C/$f"
done
check "emqx/ holds no CA key" bash -c "! ls '$C/emqx' | grep -q 'ca.*key'"
check "emqx/ca.crt is the CA" cmp -s "$C/ca.crt" "$C/emqx/ca.crt"
for k in ca.key emqx/server.key devices/sample-device.key; do
  check "$k is mode 600" test "$(mode "$C/$k")" = 600
done

# Chain: both leaves verify against the CA, and against the CRL.
check "openssl verify: server certificate chains to the CA" openssl verify -CAfile "$C/ca.crt" "$C/emqx/server.crt"
check "openssl verify: device certificate chains to the CA" openssl verify -CAfile "$C/ca.crt" "$C/devices/sample-device.crt"
check "openssl verify -crl_check: neither leaf is revoked" \
  openssl verify -CAfile "$C/ca.crt" -CRLfile "$C/emqx/crl.pem" -crl_check "$C/emqx/server.crt" "$C/devices/sample-device.crt"
check "the CRL is signed by the CA" bash -c "openssl crl -in '$C/emqx/crl.pem' -CAfile '$C/ca.crt' -noout 2>&1 | grep -q 'verify OK'"
check "openssl verify -purpose sslserver: server certificate" openssl verify -purpose sslserver -CAfile "$C/ca.crt" "$C/emqx/server.crt"
check "openssl verify -purpose sslclient: device certificate" openssl verify -purpose sslclient -CAfile "$C/ca.crt" "$C/devices/sample-device.crt"
check "the device certificate is not usable as a TLS server" bash -c "! openssl verify -purpose sslserver -CAfile '$C/ca.crt' '$C/devices/sample-device.crt' >/dev/null 2>&1"
check "the server certificate is not usable as a TLS client" bash -c "! openssl verify -purpose sslclient -CAfile '$C/ca.crt' '$C/emqx/server.crt' >/dev/null 2>&1"

# The CA.
check "CA: basicConstraints critical CA:TRUE" bash -c "openssl x509 -in '$C/ca.crt' -noout -ext basicConstraints | grep -q critical && openssl x509 -in '$C/ca.crt' -noout -ext basicConstraints | grep -q 'CA:TRUE'"
check "CA: keyUsage keyCertSign + cRLSign" test "$(ext "$C/ca.crt" keyUsage)" = "Certificate Sign, CRL Sign"
check "CA: self-signed" bash -c "openssl verify -CAfile '$C/ca.crt' '$C/ca.crt' >/dev/null"
check "CA: RSA 2048" has "$C/ca.crt" 'Public-Key: \(2048 bit\)'
check "CA: SHA-256 signature" has "$C/ca.crt" 'Signature Algorithm: sha256WithRSAEncryption'
check "CA key matches ca.crt" bash -c "diff <(openssl pkey -in '$C/ca.key' -pubout) <(openssl x509 -in '$C/ca.crt' -noout -pubkey) >/dev/null"

# The EMQX server certificate.
S="$C/emqx/server.crt"
sans="$(ext "$S" subjectAltName)"
for want in DNS:localhost DNS:emqx DNS:emqx-mtls "IP Address:127.0.0.1" DNS:broker.example.test "IP Address:192.0.2.10"; do
  check "server SAN has $want" grep -qF -- "$want" <<<"$sans"
done
check "server: basicConstraints CA:FALSE" bash -c "openssl x509 -in '$S' -noout -ext basicConstraints | grep -q 'CA:FALSE'"
check "server: keyUsage digitalSignature + keyEncipherment" test "$(ext "$S" keyUsage)" = "Digital Signature, Key Encipherment"
check "server: extendedKeyUsage serverAuth only" test "$(ext "$S" extendedKeyUsage)" = "TLS Web Server Authentication"
check "server: has an authority key identifier" has "$S" 'X509v3 Authority Key Identifier'
check "server key matches server.crt" bash -c "diff <(openssl pkey -in '$C/emqx/server.key' -pubout) <(openssl x509 -in '$S' -noout -pubkey) >/dev/null"
check "server: openssl checks host emqx-mtls" openssl verify -CAfile "$C/ca.crt" -verify_hostname emqx-mtls "$S"
check "server: openssl checks IP 127.0.0.1" openssl verify -CAfile "$C/ca.crt" -verify_ip 127.0.0.1 "$S"
check "server: a name not asked for is refused" bash -c "! openssl verify -CAfile '$C/ca.crt' -verify_hostname not-in-the-cert.example '$S' >/dev/null 2>&1"
check "server: valid for at most 825 days" bash -c "! openssl x509 -in '$S' -noout -checkend $((826 * 86400)) >/dev/null"

# The sample device.
D="$C/devices/sample-device.crt"
check "device: subject CN device-sample-device" bash -c "openssl x509 -in '$D' -noout -subject -nameopt RFC2253 | grep -q 'CN=device-sample-device'"
check "device: issuer is the CA" test "$(openssl x509 -in "$D" -noout -issuer)" = "issuer=$(openssl x509 -in "$C/ca.crt" -noout -subject | sed 's/^subject=//')"
check "device: basicConstraints CA:FALSE" bash -c "openssl x509 -in '$D' -noout -ext basicConstraints | grep -q 'CA:FALSE'"
check "device: keyUsage digitalSignature + keyEncipherment" test "$(ext "$D" keyUsage)" = "Digital Signature, Key Encipherment"
check "device: extendedKeyUsage clientAuth only" test "$(ext "$D" extendedKeyUsage)" = "TLS Web Client Authentication"
check "device: SAN DNS:sample-device" test "$(ext "$D" subjectAltName)" = "DNS:sample-device"
check "device: valid for at most 365 days" bash -c "! openssl x509 -in '$D' -noout -checkend $((366 * 86400)) >/dev/null"
check "device key matches its certificate" bash -c "diff <(openssl pkey -in '$C/devices/sample-device.key' -pubout) <(openssl x509 -in '$D' -noout -pubkey) >/dev/null"
check "device CSR carries the device key and verifies" bash -c "openssl req -in '$C/devices/sample-device.csr' -noout -verify 2>&1 | grep -q 'verify OK' && diff <(openssl req -in '$C/devices/sample-device.csr' -noout -pubkey) <(openssl pkey -in '$C/devices/sample-device.key' -pubout) >/dev/null"
check "device and server serials differ" test "$(openssl x509 -in "$D" -noout -serial)" != "$(openssl x509 -in "$S" -noout -serial)"
# What EMQX hands the hub in pem mode: base64 of the DER on one line, from which the hub
# computes the SHA-256 fingerprint; the same as openssl's fingerprint.
b64="$(openssl x509 -in "$D" -outform DER | base64 -w0)"
fp_hub="$(base64 -d <<<"$b64" | openssl dgst -sha256 -r | cut -d' ' -f1 | tr a-f A-F)"
fp_openssl="$(openssl x509 -in "$D" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')"
check "device: SHA-256 of the pem username's DER = openssl fingerprint" test "$fp_hub" = "$fp_openssl"

finish
