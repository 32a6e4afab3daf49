#!/usr/bin/env bash
# Entrypoint step of the iot-hub EMQX image: gives the guard authenticator of
# emqx-mtls.conf (authentication[1]: refuses every client while the hub is not loaded as
# ExHook provider) a fresh random secret at every start, through EMQX's environment
# override EMQX_AUTHENTICATION__1__SECRET, then hands over to the next entrypoint (the
# arguments). Nobody may hold the secret, so it is never stored or printed, and a value
# set from outside (compose, .env) is replaced.
set -euo pipefail

# 32 random bytes, base64 (the conf says secret_base64_encoded = true): 44 characters.
secret="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
if [ "${#secret}" -ne 44 ]; then
  echo "iot-hub EMQX: cannot start: could not make a random secret for the authentication guard" >&2
  exit 70  # EX_SOFTWARE
fi
export EMQX_AUTHENTICATION__1__SECRET="$secret"
unset secret
exec "$@"
