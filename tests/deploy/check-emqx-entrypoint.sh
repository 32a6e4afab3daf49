#!/usr/bin/env bash
# Check: emqx/check-certs.sh, the entrypoint of the EMQX image, stops a start without
# certificates with a clear message (what is missing, how to make it), and hands over to
# the real entrypoint (its arguments) when they are in place. This is what
# `docker compose up emqx --no-deps` without ./certs/emqx shows (no Docker needed here).
# Then emqx/authn-guard.sh, the next step: a fresh random secret for the authentication
# guard at every start, replacing any value from outside, never printed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tool openssl

entry="$REPO_ROOT/emqx/check-certs.sh"
check "emqx/check-certs.sh is executable (the image runs it directly)" test -x "$entry"

# run DIR LOG: the entrypoint with a stand-in for EMQX's own entrypoint.
run() { IOTHUB_EMQX_CERTS_DIR="$1" bash "$entry" /bin/echo "handed-over" "arg two" >"$2" 2>&1; }

# An empty mount point (what a bind mount of a missing ./certs/emqx gives).
mkdir -p "$CHECK_TMP/empty"
if run "$CHECK_TMP/empty" "$CHECK_TMP/empty.log"; then fail "no certificates -> refused"; else ok "no certificates -> refused (status $?)"; fi
check "the message says the certificates are missing" grep -q 'cannot start: the TLS certificates are not in place' "$CHECK_TMP/empty.log"
for f in ca.crt server.crt server.key; do
  check "the message names $f" grep -q "$CHECK_TMP/empty/$f is missing" "$CHECK_TMP/empty.log"
done
check "the message says how to make them" grep -q 'docker compose run --rm certs' "$CHECK_TMP/empty.log"
check "EMQX was not started" bash -c "! grep -q handed-over '$CHECK_TMP/empty.log'"

# Only the key missing: only the key is named.
make_pki "$CHECK_TMP/certs" localhost
mkdir -p "$CHECK_TMP/partial"
cp "$CHECK_TMP/certs/emqx/ca.crt" "$CHECK_TMP/certs/emqx/server.crt" "$CHECK_TMP/partial/"
if run "$CHECK_TMP/partial" "$CHECK_TMP/partial.log"; then fail "no key -> refused"; else ok "no key -> refused"; fi
check "only server.key is named" bash -c "grep -q 'server.key is missing' '$CHECK_TMP/partial.log' && ! grep -q 'server.crt is missing' '$CHECK_TMP/partial.log'"

# An empty file and a directory in place of a file (docker's bind of a missing file).
mkdir -p "$CHECK_TMP/odd"
cp "$CHECK_TMP/certs/emqx/ca.crt" "$CHECK_TMP/odd/"
: >"$CHECK_TMP/odd/server.crt"
mkdir "$CHECK_TMP/odd/server.key"
if run "$CHECK_TMP/odd" "$CHECK_TMP/odd.log"; then fail "empty / directory -> refused"; else ok "empty / directory -> refused"; fi
check "an empty file is named as empty" grep -q 'server.crt is empty' "$CHECK_TMP/odd.log"
check "a directory is named as not a file" grep -q 'server.key is not a file' "$CHECK_TMP/odd.log"

# An unreadable key (wrong owner): only testable when not root (root reads everything).
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$CHECK_TMP/unreadable"
  cp "$CHECK_TMP/certs/emqx/"{ca.crt,server.crt,server.key} "$CHECK_TMP/unreadable/"
  chmod 000 "$CHECK_TMP/unreadable/server.key"
  if run "$CHECK_TMP/unreadable" "$CHECK_TMP/unreadable.log"; then fail "unreadable key -> refused"; else ok "unreadable key -> refused"; fi
  check "the message says the key is not readable" grep -q 'server.key is not readable' "$CHECK_TMP/unreadable.log"
else
  echo "skip - running as root: an unreadable key cannot be simulated"
fi

# Everything in place: the arguments run, unchanged.
check "with the certificates it hands over to the real entrypoint" run "$CHECK_TMP/certs/emqx" "$CHECK_TMP/good.log"
check "the arguments are passed unchanged" grep -qx 'handed-over arg two' "$CHECK_TMP/good.log"

# The guard's secret: 32 random bytes in base64, new at every start.
guard="$REPO_ROOT/emqx/authn-guard.sh"
check "emqx/authn-guard.sh is executable (the image runs it directly)" test -x "$guard"
secret_of() { EMQX_AUTHENTICATION__1__SECRET="$1" bash "$guard" /bin/sh -c 'printf %s "$EMQX_AUTHENTICATION__1__SECRET"' 2>"$CHECK_TMP/guard.err"; }
first="$(secret_of "")"
second="$(secret_of "")"
check "the guard secret is base64 of 32 bytes" test "$(printf %s "$first" | base64 -d 2>/dev/null | wc -c)" -eq 32
check "the guard secret is new at every start" test "$first" != "$second"
outside="c2VjcmV0LWZyb20tLmVudi1zb21lYm9keS1rbm93cw=="
check "a secret set from outside is replaced" test "$(secret_of "$outside")" != "$outside"
check "the guard prints nothing (the secret never reaches a log)" test ! -s "$CHECK_TMP/guard.err"
check "the guard passes the arguments unchanged" \
  bash -c "[ \"\$(bash '$guard' /bin/echo handed-over 'arg two')\" = 'handed-over arg two' ]"

finish
