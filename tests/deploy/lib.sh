# shellcheck shell=bash
# Shared by the tests/deploy check scripts (sourced, not run). Each check makes its own
# temp dir (removed on exit, whatever happens) so that ctest can run them in parallel.
# Output: one "ok"/"FAIL" line per assertion; the script exits non-zero on any FAIL.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEPLOY_DIR="$REPO_ROOT/tests/deploy"
# Where install-node-tools.sh put the npm test tools (CMake passes a build-dir folder).
DEPLOY_NODE_DIR="${DEPLOY_NODE_DIR:-$DEPLOY_DIR}"
CHECK_NAME="$(basename "$0" .sh)"
failures=0
passes=0

# Temp dir + cleanup of it and of any background process registered with track_pid.
CHECK_TMP="$(mktemp -d "${TMPDIR:-/tmp}/iothub-$CHECK_NAME.XXXXXX")"
tracked_pids=()
track_pid() { tracked_pids+=("$1"); }
cleanup() {
  local rc=$? pid
  set +e  # cleanup must not change the check's exit status (wait returns the kill's 143)
  for pid in "${tracked_pids[@]:-}"; do
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null; fi
  done
  rm -rf "$CHECK_TMP"
  exit "$rc"
}
trap cleanup EXIT

ok() { passes=$((passes + 1)); echo "ok   - $*"; }
fail() { failures=$((failures + 1)); echo "FAIL - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds. Its output is shown only
# when it fails.
check() {
  local d="$1"; shift
  if "$@" >"$CHECK_TMP/.check.out" 2>&1; then
    ok "$d"
  else
    fail "$d"
    sed 's/^/       | /' "$CHECK_TMP/.check.out"
  fi
}
die() { echo "$CHECK_NAME: error: $*" >&2; exit 1; }

finish() {
  echo "$CHECK_NAME: $passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}

require_tool() { command -v "$1" >/dev/null 2>&1 || die "$1 is required (scripts/install-deps.sh installs it)"; }

# The npm test tools; install-node-tools.sh must have run (ctest fixture deploy_node_tools).
require_node_tools() {
  require_tool node
  if [ ! -d "$DEPLOY_NODE_DIR/node_modules/@pushcorn/hocon-parser" ] || [ ! -d "$DEPLOY_NODE_DIR/node_modules/yaml" ]; then
    die "npm tools missing in $DEPLOY_NODE_DIR/node_modules: run tests/deploy/install-node-tools.sh first"
  fi
  export NODE_PATH="$DEPLOY_NODE_DIR/node_modules"
}

# A development PKI made by scripts/generate-certs.sh in this check's temp dir.
make_pki() {
  local dir="$1"; shift
  CERTS_DIR="$dir" "$REPO_ROOT/scripts/generate-certs.sh" "$@" >"$CHECK_TMP/generate-certs.log" 2>&1 ||
    { cat "$CHECK_TMP/generate-certs.log"; die "scripts/generate-certs.sh failed"; }
}

# A free TCP port on 127.0.0.1 (the caller retries if someone takes it meanwhile).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}
