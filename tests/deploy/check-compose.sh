#!/usr/bin/env bash
# Check: docker-compose.yml, Dockerfile and emqx/Dockerfile hold together
# (check_compose.js), and the hub runtime image's packages exist in Debian 12 (apt-cache,
# when this machine is Debian 12 with package lists). No Docker engine is needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node_tools

if node "$DEPLOY_DIR/check_compose.js" "$REPO_ROOT"; then
  ok "compose and Dockerfiles are consistent"
else
  fail "check_compose.js: see the FAIL lines above"
fi

# Every package the runtime stage installs has a Debian 12 candidate.
if grep -qs '^VERSION_ID="12"' /etc/os-release && command -v apt-cache >/dev/null &&
   compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  pkgs="$(awk '/^FROM .*debian:12-slim/{rt=1} rt' "$REPO_ROOT/Dockerfile" |
          sed -n '/apt-get install/,/rm -rf/p' | tr ' \\&' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
          grep -vxE 'apt-get|install|rm|-rf' || true)"
  [ -n "$pkgs" ] || fail "found no package names in the runtime stage of Dockerfile"
  # One apt-cache call for all (it is slow to start): "NAME:" lines, then "Candidate:".
  # shellcheck disable=SC2086  # one word per package
  apt-cache policy $pkgs >"$CHECK_TMP/policy.txt" 2>/dev/null || true
  for p in $pkgs; do
    cand="$(awk -v n="$p:" '$0==n{f=1;next} /^[^ ]/{f=0} f&&/Candidate:/{print $2; exit}' "$CHECK_TMP/policy.txt")"
    check "Debian 12 has package $p (${cand:-none})" test -n "$cand" -a "$cand" != "(none)"
  done
else
  echo "skip - Debian 12 package lists not available here: runtime package names not checked"
fi

# `docker compose config` validates the file against the compose schema, when the
# compose plugin is installed (it needs no engine).
if docker compose version >/dev/null 2>&1; then
  check "docker compose config accepts docker-compose.yml" \
    docker compose -f "$REPO_ROOT/docker-compose.yml" --project-directory "$REPO_ROOT" config --quiet
else
  echo "skip - the docker compose plugin is not installed: compose schema not validated"
fi
finish
