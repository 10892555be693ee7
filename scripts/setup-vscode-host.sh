#!/usr/bin/env bash
# Installs the real VS Code used by the tests and `npm start`: code-server 4.100.3 (= VS Code 1.100.3,
# the newest code-server whose engines.node is 20) into test/host/, plus Debian's headless Chromium.
# Needs only the npm registry and Debian apt (no GitHub, no update.code.visualstudio.com). Idempotent:
# a second run does nothing but print the versions.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HOST="$ROOT/test/host"

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)                        # seeds @vscode/ripgrep, see below
[ -e /usr/include/gssapi/gssapi.h ] || need+=(libkrb5-dev)         # kerberos native build
command -v make >/dev/null && command -v g++ >/dev/null || need+=(make g++)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable); it uses a cached tarball when one
# exists, so pre-seed that cache with Debian's rg.
RG_VER=1.15.11   # the @vscode/ripgrep version pinned in code-server 4.100.3's shrinkwrap
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_VER"
asset="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$asset" ]; then
  stage="$(mktemp -d)"; cp "$(command -v rg)" "$stage/rg"; mkdir -p "$cache"
  tar czf "$asset" -C "$stage" rg; rm -rf "$stage"
fi

if [ ! -x "$HOST/node_modules/.bin/code-server" ] || [ ! -d "$HOST/node_modules/code-server/lib/vscode/node_modules" ]; then
  echo "setup: installing code-server into test/host (about a minute)"
  cd "$HOST"
  # test/host/.npmrc sets unsafe-perm and yes; the env copies make it work whatever the user's npmrc says
  export npm_config_unsafe_perm=true npm_config_yes=true
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
# (not `code-server --version`: that writes ~/.local/share/code-server/coder-logs)
echo "code-server $(node -p "require('$HOST/node_modules/code-server/package.json').version") (VS Code $(node -p "require('$HOST/node_modules/code-server/lib/vscode/package.json').version")), $(chromium --version 2>/dev/null | head -1)"
