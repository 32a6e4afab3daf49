#!/usr/bin/env bash
# Check: every path emqx/emqx-mtls.conf and the hub's command line name exists in the
# images (Dockerfile COPY/mkdir, base image) or in the compose mounts, with ./certs made
# by scripts/generate-certs.sh in a temp dir (check_paths.js has the details).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node_tools
require_tool openssl

make_pki "$CHECK_TMP/certs" localhost
if node "$DEPLOY_DIR/check_paths.js" "$REPO_ROOT" "$CHECK_TMP/certs"; then
  ok "every path resolves"
else
  fail "check_paths.js: see the FAIL lines above"
fi
finish
