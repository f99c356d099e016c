#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest that runs on
# Node 20) into .e2e/code-server, offline except for the npm registry, with
# the three cures from ../shared/e2e-in-real-editors.md. Cached: a second run
# does nothing. Needs Debian's ripgrep and libkrb5-dev (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.e2e/code-server
if [ -x "$dest/node_modules/.bin/code-server" ]; then exit 0; fi
mkdir -p "$dest"
tmp=$(mktemp -d)
# 1. @vscode/ripgrep downloads rg from GitHub: pre-seed its cache with Debian's rg.
mkdir -p "$tmp/vscode-ripgrep-cache-1.15.11" "$tmp/rg"
cp /usr/bin/rg "$tmp/rg/rg"
tar -C "$tmp/rg" -czf "$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
cd "$dest"
[ -f package.json ] || echo '{"name":"e2e-code-server","private":true}' > package.json
# 2. root needs unsafe_perm for the postinstall; 3. node-pty's postinstall runs npx node-gyp.
TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
  npm install --no-audit --no-fund --foreground-scripts code-server@4.100.3 > install.log 2>&1 || { tail -40 install.log; exit 1; }
rm -rf "$tmp"
