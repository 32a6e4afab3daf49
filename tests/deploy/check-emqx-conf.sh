#!/usr/bin/env bash
# Check: emqx/emqx-mtls.conf parses as HOCON and holds the settings iot-hub relies on
# (check_emqx_conf.js lists them). Then the checker itself is checked: broken copies of
# the file (a syntax error, each key setting flipped) must each be rejected.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node_tools

conf="$REPO_ROOT/emqx/emqx-mtls.conf"
checker="$DEPLOY_DIR/check_emqx_conf.js"

if node "$checker" "$conf" >"$CHECK_TMP/real.out" 2>&1; then
  ok "emqx/emqx-mtls.conf parses and every asserted setting holds"
else
  cat "$CHECK_TMP/real.out"
  fail "emqx/emqx-mtls.conf: see the FAIL lines above"
fi

# mutant NAME SED_EXPRESSION: a copy with one change must be rejected.
mutant() {
  local name="$1" expr="$2" copy="$CHECK_TMP/mutant-$1.conf"
  sed -E "$expr" "$conf" >"$copy"
  if cmp -s "$conf" "$copy"; then
    fail "mutant '$name': the sed expression changed nothing (update this check)"
  elif node "$checker" "$copy" >"$CHECK_TMP/mutant-$name.out" 2>&1; then
    fail "mutant '$name' was accepted"
  else
    ok "mutant '$name' is rejected ($(grep -m1 '^FAIL' "$CHECK_TMP/mutant-$name.out" | cut -c8-))"
  fi
}

mutant syntax-error           '0,/^exhook \{/s//exhook {{/'
mutant pem-to-crt             's/peer_cert_as_username = pem/peer_cert_as_username = crt/'
mutant listener-zone          's/zone = devices/zone = default/'
mutant verify-none            '0,/verify = verify_peer/s//verify = verify_none/'
mutant no-fail-if-no-cert     '0,/fail_if_no_peer_cert = true/s//fail_if_no_peer_cert = false/'
mutant no-match-allow         's/no_match = deny/no_match = allow/'
mutant acl-file-source        's/^  sources = \[\]/  sources = [{type = file, path = "etc\/acl.conf"}]/'
mutant authz-cache-off        '/^  cache \{/,/\}/s/enable = true/enable = false/'
mutant failed-action-ignore   's/failed_action = deny/failed_action = ignore/'
mutant timeout-5s             's/request_timeout = 2s/request_timeout = 5s/'
mutant authn-off              '0,/enable_authn = true/s//enable_authn = false/'
mutant wss-on                 '/^  wss.default \{/,/\}/s/enable = false/enable = true/'
mutant tcp-all-interfaces     's/bind = "127.0.0.1:1883"/bind = "0.0.0.0:1883"/'
mutant no-authn-guard         's/^authentication = \[$/authentication = [] #/; /^  \{$/,/^  \}$/d; /^\]$/d'
mutant guard-disabled         '/^authentication = \[/,/^\]/s/enable = true/enable = false/'
mutant guard-from-username    's/from = password/from = username/'
mutant guard-literal-secret   's/secret = "!unset:[^"]*"/secret = "c2VjcmV0LWluLXRoZS1yZXBv"/'
mutant guard-plain-secret     's/secret_base64_encoded = true/secret_base64_encoded = false/'
mutant guard-claims           's/^    from = password$/    from = password\n    verify_claims { sub = "x" }/'
mutant listener-own-authn     's/^    zone = devices$/    zone = devices\n    authentication = []/'
mutant tls10                  '0,/versions = \[tlsv1.3, tlsv1.2\]/s//versions = [tlsv1.3, tlsv1.2, tlsv1]/'

finish
