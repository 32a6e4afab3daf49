#!/usr/bin/env bash
# Installs the npm packages the deploy checks use, from the npm registry, into
# $DEPLOY_NODE_DIR/node_modules (default tests/deploy/node_modules, gitignored; ctest
# passes a folder in the build dir). --no-save: no package.json or lock file is written.
#   @pushcorn/hocon-parser  HOCON parser (strict mode) for emqx/emqx-mtls.conf
#   yaml                    YAML parser for docker-compose.yml
# Skips the network when both are already there. Safe to run concurrently (flock).
set -euo pipefail

dir="${DEPLOY_NODE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
packages=("@pushcorn/hocon-parser@1.3.1" "yaml@2.9.1")

command -v node >/dev/null 2>&1 || { echo "install-node-tools: node is required (scripts/install-deps.sh)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "install-node-tools: npm is required (scripts/install-deps.sh)" >&2; exit 1; }

present() {
  [ -f "$dir/node_modules/@pushcorn/hocon-parser/package.json" ] && [ -f "$dir/node_modules/yaml/package.json" ] &&
    node -e 'const d=process.argv[1]; const v=n=>require(d+"/node_modules/"+n+"/package.json").version;
             process.exit(v("@pushcorn/hocon-parser")==="1.3.1" && v("yaml")==="2.9.1" ? 0 : 1)' "$dir"
}

mkdir -p "$dir"
# The lock lives outside the repo so that no untracked file is left next to the sources.
exec 9>"${TMPDIR:-/tmp}/iothub-node-tools-$(printf '%s' "$dir" | cksum | cut -d' ' -f1).lock"
flock 9
if present; then
  echo "install-node-tools: ${packages[*]} present in $dir/node_modules"
  exit 0
fi
echo "install-node-tools: npm install ${packages[*]} into $dir/node_modules"
npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" "${packages[@]}"
present || { echo "install-node-tools: the packages are still missing after npm install" >&2; exit 1; }
