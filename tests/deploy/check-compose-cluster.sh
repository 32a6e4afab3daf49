#!/usr/bin/env bash
# Check: docker-compose.cluster.yml (2 EMQX nodes, 2 hubs, PostgreSQL, Redis) holds
# together with emqx/emqx-mtls.conf (check_compose_cluster.js). No Docker engine needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_node_tools

if node "$DEPLOY_DIR/check_compose_cluster.js" "$REPO_ROOT"; then
  ok "the cluster compose file is consistent"
else
  fail "check_compose_cluster.js: see the FAIL lines above"
fi

if docker compose version >/dev/null 2>&1; then
  check "docker compose config accepts docker-compose.cluster.yml" \
    env POSTGRES_PASSWORD=x EMQX_NODE_COOKIE=x EMQX_DASHBOARD_PASSWORD=x \
    docker compose -f "$REPO_ROOT/docker-compose.cluster.yml" --project-directory "$REPO_ROOT" config --quiet
else
  echo "skip - the docker compose plugin is not installed: compose schema not validated"
fi
finish
