#!/usr/bin/env bash
# Check: scripts/generate-certs.sh on bad input and second runs. A second run keeps the
# CA (and the leaves); a CA key it did not make is refused and left untouched; a
# replaced marked key is refused too; no openssl in PATH -> a clear message; a bad host
# argument -> a clear message; IOT_HUB pointing at nothing -> a clear message.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tool openssl

gen="$REPO_ROOT/scripts/generate-certs.sh"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# run_gen LOG ENV... -- ARGS...: runs the script, output to LOG; returns its status.
run_gen() {
  local log="$1"; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$gen" "$@" >"$log" 2>&1
}

# 1. Run twice: the CA and the leaves are kept byte for byte; the CRL is refreshed.
A="$CHECK_TMP/a"
check "first run succeeds" run_gen "$CHECK_TMP/a1.log" CERTS_DIR="$A" -- localhost
declare -A before
for f in ca.crt ca.key emqx/server.crt emqx/server.key devices/sample-device.crt devices/sample-device.key; do
  before[$f]="$(sha "$A/$f")"
done
check "second run succeeds" run_gen "$CHECK_TMP/a2.log" CERTS_DIR="$A" -- localhost
for f in "${!before[@]}"; do
  check "second run keeps $f" test "${before[$f]}" = "$(sha "$A/$f")"
done
check "second run says it kept the CA" grep -q 'CA kept' "$CHECK_TMP/a2.log"
# A new host name re-issues the server certificate only, with the same CA.
check "third run with another host succeeds" run_gen "$CHECK_TMP/a3.log" CERTS_DIR="$A" -- other.example.test
check "third run keeps the CA key" test "${before[ca.key]}" = "$(sha "$A/ca.key")"
check "third run re-issues the server certificate for the new name" \
  bash -c "openssl x509 -in '$A/emqx/server.crt' -noout -ext subjectAltName | grep -q DNS:other.example.test"
check "the re-issued server certificate chains to the same CA" openssl verify -CAfile "$A/ca.crt" "$A/emqx/server.crt"

# 2. A CA key the script did not make (no marker): refused, untouched, nothing issued.
B="$CHECK_TMP/b"
mkdir -p "$B"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$B/ca.key" 2>/dev/null
foreign="$(sha "$B/ca.key")"
if run_gen "$CHECK_TMP/b.log" CERTS_DIR="$B" -- localhost; then
  fail "a foreign ca.key is refused (the script succeeded)"
else
  ok "a foreign ca.key is refused (exit status non-zero)"
fi
check "the refusal says why" grep -q 'was not made by this script' "$CHECK_TMP/b.log"
check "the foreign ca.key is untouched" test "$foreign" = "$(sha "$B/ca.key")"
check "no ca.crt was written next to it" test ! -e "$B/ca.crt"
check "no server certificate was issued" test ! -e "$B/emqx/server.crt"

# 3. A foreign ca.crt alone (someone else's CA) is refused too.
E="$CHECK_TMP/e"
mkdir -p "$E"
cp "$A/ca.crt" "$E/ca.crt"
if run_gen "$CHECK_TMP/e.log" CERTS_DIR="$E" -- localhost; then fail "a foreign ca.crt is refused"; else ok "a foreign ca.crt is refused"; fi
check "the refusal names ca.crt" grep -q 'ca.crt exists but was not made by this script' "$CHECK_TMP/e.log"

# 4. Our marker, but the key was swapped by hand: refused, untouched.
C="$CHECK_TMP/c"
cp -a "$A" "$C"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$C/ca.key" 2>/dev/null
swapped="$(sha "$C/ca.key")"
if run_gen "$CHECK_TMP/c.log" CERTS_DIR="$C" -- localhost; then fail "a replaced ca.key is refused"; else ok "a replaced ca.key is refused"; fi
check "the refusal says the key was replaced" grep -q 'does not match the key this script made' "$CHECK_TMP/c.log"
check "the replaced ca.key is untouched" test "$swapped" = "$(sha "$C/ca.key")"

# 5. openssl missing from PATH: a clear message, nothing written.
nobin="$CHECK_TMP/bin"
mkdir -p "$nobin"
for t in bash env sed awk grep cut tr mktemp dirname basename hostname head tail cat mv cp chmod mkdir rm id; do
  p="$(command -v "$t" || true)"
  [ -n "$p" ] && ln -s "$p" "$nobin/$t"
done
D="$CHECK_TMP/d"
if PATH="$nobin" CERTS_DIR="$D" "$nobin/bash" "$gen" localhost >"$CHECK_TMP/d.log" 2>&1; then
  fail "without openssl the script fails"
else
  ok "without openssl the script fails"
fi
check "without openssl the message says so" grep -q 'openssl not found in PATH' "$CHECK_TMP/d.log"
check "without openssl nothing is written" test ! -e "$D"

# 6. A host argument that is no host name: a clear message.
if run_gen "$CHECK_TMP/f.log" CERTS_DIR="$CHECK_TMP/f" -- 'bad host;name'; then fail "a bad host is refused"; else ok "a bad host is refused"; fi
check "the bad host message names it" grep -q "'bad host;name' is neither a host name nor an IP address" "$CHECK_TMP/f.log"

# 7. IOT_HUB that is not an executable: a clear message.
if run_gen "$CHECK_TMP/g.log" CERTS_DIR="$CHECK_TMP/g" IOT_HUB="$CHECK_TMP/no-such-iot-hub" -- localhost; then
  fail "IOT_HUB pointing at nothing is refused"
else
  ok "IOT_HUB pointing at nothing is refused"
fi
check "the IOT_HUB message says what to do" grep -q 'is not an executable file' "$CHECK_TMP/g.log"

# 8. An openssl-mode folder is not silently switched to hub mode.
fake_hub="$CHECK_TMP/fake-iot-hub"
printf '#!/bin/sh\necho "fake iot-hub: $*" >&2\nexit 1\n' >"$fake_hub"
chmod +x "$fake_hub"
if run_gen "$CHECK_TMP/h.log" CERTS_DIR="$A" IOT_HUB="$fake_hub" -- localhost; then
  fail "hub mode on an openssl-mode CA is refused"
else
  ok "hub mode on an openssl-mode CA is refused"
fi
check "the mode message says why" grep -q 'holds an openssl-mode CA' "$CHECK_TMP/h.log"
check "the openssl-mode CA key is still there" test "${before[ca.key]}" = "$(sha "$A/ca.key")"

finish
