#!/bin/sh
# Runs a command under Node >= 22.12 (what wrangler and vitest need). These machines ship
# Node 20, so when the node on PATH is older we install the npm registry's node@22 into a
# project-local, git-ignored prefix once and put it first on PATH. The system node is
# never touched.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
recent() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; }
if ! recent node; then
  if ! recent "$root/.tools/node22/bin/node"; then
    echo "Node $(node --version 2>/dev/null || echo none) is older than 22.12; installing node@22 into .tools/node22 (project-local)..." >&2
    npm install -g --no-fund --no-audit --prefix "$root/.tools/node22" node@22 >&2
  fi
  PATH="$root/.tools/node22/bin:$PATH"
  export PATH
fi
exec "$@"
