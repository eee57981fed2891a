#!/usr/bin/env bash
# Real-editor tests (npm run test:e2e): runs the extension in a real VS Code server build, driven in headless Chromium.
#   1. installs the environment into test/e2e/.env/ on first use (install-env.sh), reused afterwards;
#   2. builds the bundles and the .vsix (npm run package);
#   3. run "development": VS Code loads the extension from this folder and runs suite/development.ts;
#   4. run "packaged": the .vsix is installed with --install-extension into a fresh extensions folder and
#      suite/packaged.ts runs against it (the development extension is the empty harness-extension/);
#   5. screenshots go to test/e2e/.artifacts/; the last line is "N passed, N failed".
# Every external process has a timeout; each VS Code server is killed with its whole process group.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ENV_DIR=${E2E_ENV_DIR:-$HERE/.env}
ARTIFACTS=$HERE/.artifacts
NODE24=$ENV_DIR/node24/bin/node
VSCODE=$ENV_DIR/node_modules/code-server/lib/vscode
VSIX=$ROOT/vmsplice-lens.vsix
total_passed=0
total_failed=0

summary() {
  echo "${total_passed} passed, ${total_failed} failed"
}
fail_setup() {
  echo "e2e setup failed: $1" >&2
  total_failed=$((total_failed + 1))
  summary
  exit 1
}

started=$(date +%s)
timeout 900 bash "$HERE/install-env.sh" "$ENV_DIR" || fail_setup "installing the test environment (test/e2e/install-env.sh)"
installed=$(date +%s)
echo "[e2e] environment ready in $((installed - started)) s"

cd "$ROOT"
timeout 300 npm run --silent package </dev/null || fail_setup "npm run package"
[ -f "$VSIX" ] || fail_setup "npm run package did not produce $VSIX"
[ -f dist/server.js ] || fail_setup "dist/server.js was not built"

rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS/out"
timeout 120 npx esbuild test/e2e/suite/development.ts test/e2e/suite/packaged.ts --bundle --platform=node --format=cjs --target=node20 \
  --external:vscode --outdir="$ARTIFACTS/out" --log-level=warning || fail_setup "bundling the e2e suites"

# Throwaway folders: per-run workspaces (tests edit files) and VS Code's home folders (keep the user's HOME clean).
SCRATCH=$(mktemp -d /tmp/vmsplice-lens-e2e-XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
export XDG_CONFIG_HOME=$SCRATCH/xdg/config XDG_DATA_HOME=$SCRATCH/xdg/data XDG_CACHE_HOME=$SCRATCH/xdg/cache

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# run_suite NAME EXTENSION_DEVELOPMENT_PATH TESTS_ENTRY [VSIX]
run_suite() {
  local name=$1 dev_path=$2 entry=$3 vsix=${4:-}
  local data=$SCRATCH/$name port log server counts suite_started
  suite_started=$(date +%s)
  mkdir -p "$data"
  # Each run gets its own copy of the workspace, so edits of one run (the quick fix) never leak into the next.
  cp -r "$HERE/workspace" "$data/workspace"
  port=$(free_port)
  log=$ARTIFACTS/$name-server.log
  if [ -n "$vsix" ]; then
    timeout 180 "$NODE24" "$VSCODE/out/server-main.js" --install-extension "$vsix" --force \
      --accept-server-license-terms --server-data-dir "$data/server" --user-data-dir "$data/user" --extensions-dir "$data/ext" \
      >"$ARTIFACTS/$name-install.log" 2>&1 || { echo "[e2e] $name: installing the .vsix failed (see $ARTIFACTS/$name-install.log)"; total_failed=$((total_failed + 1)); return; }
    echo "[e2e] $name: installed $(basename "$vsix") into $data/ext: $(ls "$data/ext" | tr '\n' ' ')"
  fi
  setsid "$NODE24" "$VSCODE/out/server-main.js" --host 127.0.0.1 --port "$port" --without-connection-token \
    --accept-server-license-terms --enable-smoke-test-driver --disable-telemetry --disable-workspace-trust \
    --server-data-dir "$data/server" --user-data-dir "$data/user" --extensions-dir "$data/ext" >"$log" 2>&1 &
  server=$!
  local ready=0
  for _ in $(seq 1 120); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/"; then ready=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
  done
  if [ "$ready" = 1 ]; then
    (cd "$ENV_DIR" && NODE_PATH="$ENV_DIR/node_modules" timeout 300 "$NODE24" "$HERE/driver.cjs" "$port" "$data/workspace" "$dev_path" "$entry" "$ARTIFACTS" "$name") 2>&1 | tee "$ARTIFACTS/$name-driver.log" \
      | grep --line-buffered -v -E '\[(AgentHost|ChatModelSelection|AccountPolicyGate)\]|No signed-in session|ENOTFOUND' || true
  else
    echo "[e2e] $name: the VS Code server did not answer on port $port (see $log)"
  fi
  kill -- -"$server" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$server" 2>/dev/null || break; sleep 0.25; done
  kill -9 -- -"$server" 2>/dev/null
  counts=$(grep -h '^E2E-COUNTS ' "$ARTIFACTS/$name-driver.log" 2>/dev/null | tail -1)
  if [ -n "$counts" ]; then
    set -- $counts
    total_passed=$((total_passed + $2))
    total_failed=$((total_failed + $3))
  else
    total_failed=$((total_failed + 1))
  fi
  echo "[e2e] $name: ${counts:-no result} in $(($(date +%s) - suite_started)) s"
}

# E2E_SUITES selects suites while debugging (e.g. E2E_SUITES=development); CI runs both.
suites=${E2E_SUITES:-development packaged}
case " $suites " in *" development "*) run_suite development "$ROOT" "$ARTIFACTS/out/development.js" ;; esac
case " $suites " in *" packaged "*) run_suite packaged "$HERE/harness-extension" "$ARTIFACTS/out/packaged.js" "$VSIX" ;; esac

echo "[e2e] total $(($(date +%s) - started)) s (environment $((installed - started)) s); screenshots in $ARTIFACTS"
summary
[ "$total_failed" = 0 ] && [ "$total_passed" -gt 0 ]
